import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  allCells, holm, incompleteBeta, minimalDetectableEffect, normalCdf, pairedT, pairedTrend, tCdf, testFamily, tost, tQuantile, tTestPower,
} from '../../bench/reproduce/index.js';

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} ± ${tol}`);

describe('Student t distribution (exact, every df)', () => {
  it('two-sided 95% quantiles match the textbook table, with no jump to 1.96 past 30', () => {
    // qt(0.975, df) in R / any t table.
    const table: [number, number][] = [[1, 12.7062047], [2, 4.3026527], [3, 3.1824463], [4, 2.7764451], [5, 2.5705818], [10, 2.2281389],
      [20, 2.0859634], [29, 2.0452296], [30, 2.0422725], [31, 2.0395134], [40, 2.0210754], [60, 2.0002978], [120, 1.9799304], [1000, 1.9623391]];
    for (const [df, q] of table) close(tQuantile(0.975, df), q, 2e-6, `qt(0.975, ${df})`);
    assert.ok(tQuantile(0.975, 31) > 2.03, 'df 31 is not 1.96');
    close(tQuantile(0.95, 5), 2.0150484, 2e-6, 'qt(0.95, 5)');
    close(tQuantile(0.8, 4), 0.9409646, 2e-6, 'qt(0.8, 4)');
    close(tQuantile(0.025, 7), -2.3646243, 2e-6, 'qt(0.025, 7)');
    const frac = tQuantile(0.975, 2.5);
    assert.ok(frac > 3.1824463 && frac < 4.3026527, `fractional df 2.5 lies between df 2 and 3: ${frac}`);
  });

  it('CDF: pt values and the beta/normal special functions', () => {
    close(tCdf(2, 5), 0.9490303, 1e-6, 'pt(2, 5)');
    close(tCdf(-1, 1), 0.25, 1e-12, 'pt(-1, 1) (Cauchy)');
    close(tCdf(0, 9), 0.5, 1e-12, 'pt(0, 9)');
    close(tCdf(1.96, 1e6), 0.9750021, 1e-6, 'pt(1.96, large df) → Φ(1.96)');
    close(incompleteBeta(0.5, 2, 3), 0.6875, 1e-12, 'I_0.5(2, 3)');
    close(normalCdf(1.959964), 0.975, 1e-7, 'Φ(1.959964)');
    close(normalCdf(-1), 0.1586553, 1e-7, 'Φ(-1)');
  });
});

describe('tests', () => {
  it('paired t-test: R t.test(1:5) gives t = 4.2426, df 4, p = 0.01324, CI [1.036757, 4.963243]', () => {
    const s = pairedT([1, 2, 3, 4, 5]);
    close(s.t, 4.2426407, 1e-6, 't');
    assert.equal(s.df, 4);
    close(s.p, 0.01324, 5e-6, 'p');
    close(s.ci95[0], 1.036757, 1e-6, 'CI low');
    close(s.ci95[1], 4.963243, 1e-6, 'CI high');
  });

  it('a zero-variance difference is not significant by itself', () => {
    const s = pairedT([0.01, 0.01, 0.01, 0.01]);
    assert.equal(s.untestable, 'zero variance');
    assert.ok(Number.isNaN(s.p));
    const [cell] = testFamily({ kind: 'superiority', direction: 'greater' }, [{ label: 'x', d: [0.01, 0.01, 0.01, 0.01] }]);
    assert.equal(cell!.verdict, 'inconclusive at this n');
    assert.equal(pairedT([0.05]).untestable, 'n < 2');
  });

  it('TOST: equivalent exactly when the 90% interval lies inside the margin', () => {
    const tight = [0.001, -0.002, 0.0015, 0.0, -0.001, 0.002, 0.0005, -0.0005];
    const t = tost(tight, 0.005);
    assert.ok(t.equivalent);
    assert.ok(t.summary.ci90[0] > -0.005 && t.summary.ci90[1] < 0.005);
    const noisy = [0.02, -0.03, 0.01, -0.015];
    assert.equal(tost(noisy, 0.005).equivalent, false);
    // The TOST p is the larger one-sided p: at the interval's edge it is exactly 0.05.
    const s = pairedT([1, 2, 3, 4, 5]);
    close(tost([1, 2, 3, 4, 5], s.ci90[1]).p, 0.05, 1e-9, 'p at the edge of the 90% interval');
  });

  it('Holm matches R p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm")', () => {
    assert.deepEqual(holm([0.01, 0.04, 0.03, 0.005]).map((p) => Number(p.toFixed(10))), [0.03, 0.06, 0.06, 0.02]);
    const withNaN = holm([0.01, NaN, 0.02]);
    close(withNaN[0]!, 0.02, 1e-12, 'NaN is not counted in the family size');
    assert.ok(Number.isNaN(withNaN[1]!));
  });

  it('a no-difference claim is held only by equivalence; a noisy null is inconclusive, a clear gap did not hold', () => {
    const kind = { kind: 'equivalence', margin: 0.005 } as const;
    const [eq, noisy, gap] = testFamily(kind, [
      { label: 'eq', d: [0.001, -0.002, 0.0015, 0, -0.001, 0.002, 0.0005, -0.0005] },
      { label: 'noisy', d: [0.02, -0.03, 0.01, -0.015] },
      { label: 'gap', d: [0.03, 0.031, 0.029, 0.03, 0.032] },
    ]);
    assert.equal(eq!.verdict, 'held');
    assert.equal(noisy!.verdict, 'inconclusive at this n');
    assert.equal(gap!.verdict, 'did not hold');
    assert.equal(allCells([eq!.verdict, noisy!.verdict]), 'inconclusive at this n');
    assert.equal(allCells([eq!.verdict, gap!.verdict]), 'did not hold');
  });

  it('Holm changes a marginal family member: p ≈ 0.049 alone is significant, not among three', () => {
    // t(3) = 3.24 → p ≈ 0.048 (the committed random-baseline s = 0.9 case).
    const d = [0.0045 + 0.0028, 0.0045 - 0.0028, 0.0045 + 0.0014, 0.0045 - 0.0014];
    const alone = testFamily({ kind: 'superiority', direction: 'greater' }, [{ label: 'a', d }]);
    const three = testFamily({ kind: 'superiority', direction: 'greater' }, [{ label: 'a', d }, { label: 'b', d: [0.001, -0.001, 0.002, 0] }, { label: 'c', d: [0.002, -0.003, 0.001, 0] }]);
    assert.ok(alone[0]!.pFor < 0.05);
    assert.ok(three[0]!.pForAdjusted > alone[0]!.pFor);
  });

  it('paired trend test: per-replicate slopes over the levels, t-tested', () => {
    const levels = [0.5, 0.75, 0.9];
    const rising = [[0, 0.01, 0.02], [0.001, 0.012, 0.019], [-0.001, 0.009, 0.022], [0.0, 0.011, 0.021]];
    const t = pairedTrend(levels, rising);
    assert.equal(t.n, 4);
    assert.ok(t.mean > 0 && t.p < 0.01);
    // Exact slope of one replicate: least squares of [0, 0.01, 0.02] on [0.5, 0.75, 0.9].
    close(t.slopes[0]!, 0.0489796, 1e-6, 'slope');
    const flat = pairedTrend(levels, [[0, 0.01, -0.01], [0.01, -0.01, 0], [0, 0, 0.01]]);
    assert.ok(flat.p > 0.05);
  });

  it('power and the minimal detectable effect: R power.t.test(n = 20, delta = 1) gives power 0.8689528', () => {
    // Two-sample, sd 1, n = 20 per group: df 38, noncentrality 1·√(20/2).
    close(tTestPower(Math.sqrt(10), 38), 0.8689528, 1e-5, 'power');
    // Paired design, sd 1, n = 10: the detectable effect is where that power reaches 0.8, near the
    // normal-approximation value (t_{0.975,9} + t_{0.8,9})/√10 = 0.996.
    const mde = minimalDetectableEffect(1, 10);
    close(tTestPower(mde * Math.sqrt(10), 9), 0.8, 1e-6, 'power at the MDE');
    close(mde, (tQuantile(0.975, 9) + tQuantile(0.8, 9)) / Math.sqrt(10), 0.02, 'MDE near the approximation');
    assert.ok(minimalDetectableEffect(1, 40) < minimalDetectableEffect(1, 10) / 1.9, 'MDE shrinks like 1/√n');
    assert.ok(Number.isNaN(minimalDetectableEffect(1, 1)));
  });
});
