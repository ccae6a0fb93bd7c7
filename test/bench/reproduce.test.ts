import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compare, epochsToThreshold, epochsToThresholdInterpolated, lambdaGrowth, LAMBDA_TARGET, mean, planStudies, proximalSteps, resolveParams, rigLUpdateEvery, sparseIftReproduction, trainingSteps, wgsefReproduction, meanStd, paired, replaceSection, reportRandomBaseline, reportSparseIft, std } from '../../bench/reproduce/index.js';
import type { StudyData } from '../../bench/reproduce/index.js';
import type { EpochMetrics, JsonObject, Metrics, Study, Trial } from '../../search/index.js';

const metrics = (testAccuracy: number, extra: Partial<Metrics> = {}): Metrics => ({
  valAccuracy: testAccuracy, valLoss: 1 - testAccuracy, trainLoss: 0.3, testAccuracy, params: 100, nonZeros: 50, sparsity: 0.5,
  denseFlops: 1000, sparseFlops: 1000, trainTimeMs: 1, epochs: 3, samplesPerSecond: 1, backend: 'fake', layers: [], ...extra,
});
let id = 0;
const trial = (group: string, attributes: JsonObject, m: Metrics): Trial => ({
  id: ++id, studyId: 1, number: id, state: 'completed', sample: {}, architecture: null, seed: 1, group, attributes, metrics: m, startedAt: 0, finishedAt: 1,
});
const curve = (accs: number[]): EpochMetrics[] => accs.map((a, i) => ({ epoch: i + 1, trainLoss: 1, valLoss: 1, valAccuracy: a, elapsedMs: 1 }));
const data = (trials: Trial[], epochs = new Map<number, EpochMetrics[]>()): StudyData => ({ study: { id: 1, name: 's', definition: { strategy: { options: {} } } } as Study, trials, epochs });

describe('reproduction statistics', () => {
  it('mean, sample std, paired differences by replicate, epochs to threshold', () => {
    assert.equal(mean([1, 2, 3]), 2);
    assert.equal(std([1, 2, 3]), 1);
    assert.equal(meanStd([0.8, 0.9], 1, 100), '85.0 ± 7.1');
    assert.deepEqual(paired(new Map([[0, 3], [1, 5], [2, 1]]), new Map([[0, 1], [1, 1]])), [2, 4]);
    assert.equal(epochsToThreshold(curve([0.5, 0.79, 0.81, 0.9]), 0.8), 3);
    assert.equal(epochsToThreshold(curve([0.5, 0.6]), 0.8), Infinity);
    assert.equal(epochsToThresholdInterpolated(curve([0.5, 0.9]), 0.7, 0.1), 1.5);
    assert.ok(Math.abs(epochsToThresholdInterpolated(curve([0.55, 0.9]), 0.325, 0.1) - 0.5) < 1e-12, 'from chance at epoch 0');
    assert.equal(epochsToThresholdInterpolated(curve([0.5, 0.6]), 0.8, 0.1), Infinity);
    assert.equal(epochsToThresholdInterpolated(curve([0.5, 0.6]), 0.6, 0.1), 2, 'the final value reaches a threshold equal to it');
  });

  it('a paired t-test at 5%: consistent small gains are significant, noisy ones are not', () => {
    assert.equal(compare([0.011, 0.01, 0.012]), 'above');
    assert.equal(compare([0.03, -0.02, 0.01]), 'tie');
    assert.equal(compare([-0.02, -0.021, -0.019, -0.02]), 'below');
    assert.equal(compare([0.05]), 'tie', 'one replicate decides nothing');
  });
});

describe('docs/results.md sections', () => {
  it('replaces only its own section and appends a missing one', () => {
    let text = '# R\n\n<!-- reproduce:a -->\nold a\n<!-- /reproduce:a -->\n\n<!-- reproduce:b -->\nb\n<!-- /reproduce:b -->\n';
    text = replaceSection(text, 'a', 'new a');
    assert.match(text, /<!-- reproduce:a -->\nnew a\n<!-- \/reproduce:a -->/);
    assert.match(text, /<!-- reproduce:b -->\nb\n/);
    assert.doesNotMatch(text, /old a/);
    text = replaceSection(text, 'c', 'c text');
    assert.ok(text.endsWith('<!-- reproduce:c -->\nc text\n<!-- /reproduce:c -->\n'));
  });
});

/** Deterministic pseudo-noise in ±0.001 (replicates must differ, or a paired test has zero variance). */
const noise = (i: number) => Math.sin(i * 12.9898 + 1) * 0.001;

describe('random-baseline table', () => {
  const rows = (gap: number, epochNoise = true, spread09: (r: number) => number = () => 0) => {
    const ts: Trial[] = [];
    const epochs = new Map<number, EpochMetrics[]>();
    for (let r = 0; r < 8; r++) {
      ts.push(trial('dense', { role: 'dense', level: 0, replicate: r }, metrics(0.88)));
      for (const [j, level] of [0.5, 0.75, 0.9].entries()) {
        const s = trial('searched', { role: 'searched', level, replicate: r }, metrics(0.85 + gap + noise(r * 3 + j) + (level === 0.9 ? spread09(r) : 0), { extra: { nodeSparsity: level } }));
        const x = trial('random', { role: 'random', level, replicate: r }, metrics(0.85 + noise(r * 5 + j + 1), { extra: { nodeSparsity: level } }));
        // Both end at 0.85, so the pair's threshold is 0.95 · 0.85 = 0.8075: searched reaches it at
        // epoch 1.90; random at 1.98, 2.15 or 1.82 (by replicate) when epochNoise, else always 1.98.
        const at = epochNoise ? [2, 3, 2, 1][r % 4]! : 2;
        epochs.set(s.id, curve([0.7, 0.82, 0.85]));
        epochs.set(x.id, curve(at === 1 ? [0.75, 0.82, 0.85] : at === 2 ? [0.7, 0.81, 0.85] : [0.7, 0.8, 0.85]));
        ts.push(s, x);
      }
    }
    return reportRandomBaseline([data(ts, epochs)]);
  };

  it('holds only by equivalence: tied masks are held, a consistent gain did not hold, zero-variance epochs are inconclusive', () => {
    const tie = rows(0);
    assert.equal(tie.verdict, 'held', tie.body);
    assert.match(tie.body, /\| searched s=0\.5 \| 0\.500 \| 0\.500 \|/);
    assert.match(tie.body, /\(n = 8\)/);
    assert.match(tie.body, /TOST p = /);
    assert.match(tie.body, /Holm/);
    assert.match(tie.body, /Detectable here: a difference of \d+\.\d\d pp/);
    assert.equal(rows(0.02).verdict, 'did not hold');
    const flat = rows(0, false);
    assert.equal(flat.verdict, 'inconclusive at this n', 'epochs identical in every pair: no test, no equivalence');
    assert.match(flat.body, /zero variance/);
    assert.deepEqual(tie.claims?.map((c) => c.verdict), ['held', 'held', 'held', 'held', 'held', 'held', 'held', 'held']);
    assert.deepEqual(tie.claims?.slice(2).map((c) => c.claim), ['s = 0.5', 's = 0.75', 's = 0.9'].flatMap((l) => [`trained proxy, ${l}: accuracy equivalent`, `trained proxy, ${l}: convergence equivalent`]));
    assert.match(tie.body, /epochs to the pair's threshold/);
    assert.match(tie.body, /\| 80\.8 ± 0\.0 \|/, 'the pair threshold is 95% of the lower final validation accuracy');
  });

  it('a level too noisy to decide leaves the whole claim inconclusive, and its own per-level claim says which level', () => {
    const noisy = rows(0, true, (r) => (r % 2 ? 0.04 : -0.04));
    assert.equal(noisy.claims?.[0]?.verdict, 'inconclusive at this n', noisy.body);
    const v = (claim: string) => noisy.claims?.find((c) => c.claim === claim)?.verdict;
    assert.equal(v('trained proxy, s = 0.5: accuracy equivalent'), 'held');
    assert.equal(v('trained proxy, s = 0.75: accuracy equivalent'), 'held');
    assert.equal(v('trained proxy, s = 0.9: accuracy equivalent'), 'inconclusive at this n');
  });
});

describe('protocol scales with the run length', () => {
  it('RigL gets at least 5 mask updates before 75% of training; the default keeps 15 steps', () => {
    for (const [subset, epochs] of [[1200, 2], [1500, 3], [20, 1], [8000, 4]] as const) {
      const every = rigLUpdateEvery(subset, epochs);
      assert.ok(every >= 1 && every <= 15);
      if (every > 1) assert.ok(Math.floor((0.75 * trainingSteps(subset, epochs)) / every) >= 5, `${subset}×${epochs}: every ${every}`);
    }
    assert.equal(rigLUpdateEvery(8000, 4), 15);
    const plan = planStudies(sparseIftReproduction, resolveParams(sparseIftReproduction, { subset: 1200, epochs: 2 }));
    assert.equal((plan[0]!.definition as any).strategy.options.updateEvery, rigLUpdateEvery(1200, 2));
  });

  it('WGSEF λ reaches its target by 75% of the proximal phase; the default MLP schedule is left implicit', () => {
    for (const [subset, epochs] of [[1200, 2], [2000, 3], [12000, 3], [12000, 5]] as const) {
      const g = lambdaGrowth(subset, epochs);
      assert.ok(g >= 1.03);
      assert.ok(g ** (0.75 * proximalSteps(subset, epochs)) >= LAMBDA_TARGET * 0.999, `${subset}×${epochs}: ×${g}`);
    }
    const full = planStudies(wgsefReproduction, resolveParams(wgsefReproduction, {}));
    assert.equal((full[0]!.definition as any).strategy.options.lambda, undefined, 'MLP default: ×1.03 (DEFAULT_LAMBDA_SCHEDULE)');
    const small = planStudies(wgsefReproduction, resolveParams(wgsefReproduction, { subset: 1200, epochs: 2 }));
    assert.equal((small[0]!.definition as any).strategy.options.lambda.growth, lambdaGrowth(1200, 2));
  });
});

describe('sparse-ift table', () => {
  const build = (wideGain: (i: number) => number, rigl = 0) => {
    const ts: Trial[] = [];
    const statics: Trial[] = [];
    for (let r = 0; r < 10; r++) {
      ts.push(trial('dense', { family: 'dense', level: 0, method: 'static', replicate: r }, metrics(0.84 + noise(r))));
      for (const [i, level] of [0.5, 0.75, 0.9].entries()) {
        for (const [f, family] of ['wide', 'parallel', 'factorized', 'doped'].entries()) {
          const gain = family === 'wide' ? wideGain(i) : -0.004;
          const n = noise(r * 13 + i * 4 + f + 1);
          ts.push(trial(family, { family, level, method: 'rigl', replicate: r }, metrics(0.84 + gain + n + rigl)));
          statics.push(trial(family, { family, level, method: 'static', replicate: r }, metrics(0.84 + gain + noise(r * 11 + i * 4 + f + 2))));
        }
      }
    }
    return reportSparseIft([data(ts), data(statics)]);
  };

  it('tests each claim: non-inferiority, a paired trend over s, RigL vs static (Holm over 12), others vs Wide', () => {
    const out = build((i) => 0.005 * (i + 1));
    assert.equal(out.verdict, 'held', out.body);
    assert.match(out.body, /\| wide \| 0\.9 \| rigl \|.*\+1\.[45]\d pp/);
    assert.match(out.body, /paired trend test/);
    assert.match(out.body, /family: the 12 family × level cells \(Holm\); held in 12/);
    assert.deepEqual(out.claims?.map((c) => c.verdict), ['held', 'held', 'held', 'held']);
  });

  it('an ordering of means without a significant trend is not "grows with s"; a worse Wide did not hold', () => {
    const flat = build(() => 0.005);
    assert.equal(flat.claims?.find((c) => c.claim === 'Sparse Wide gains grow with s')?.verdict, 'inconclusive at this n', flat.body);
    const worse = build(() => -0.03);
    assert.equal(worse.claims?.[0]?.verdict, 'did not hold');
    assert.notEqual(worse.verdict, 'held');
    const rigBelow = build((i) => 0.005 * (i + 1), -0.02);
    assert.equal(rigBelow.claims?.find((c) => c.claim === 'RigL at or above static')?.verdict, 'did not hold');
  });
});
