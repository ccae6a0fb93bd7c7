import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, type Rng } from '../../../../search/index.js';
import {
  envelopeMinusL2Penalty, envelopePenalty, envelopeValue, groupLassoPenalty, groupNorms, ksupportSquared,
  proxGroups, proxSquaredKSupport, weightedGroupNorms, WgsefMethodError, type GroupPenalty,
} from '../../../../evaluators/methods/wgsef/index.js';
import { maxAbsDiff, randomSearchMinimize } from './brute-force.js';

function randomGroups(rng: Rng, m: number, maxSize: number, zeroProbability = 0): Float64Array[] {
  return Array.from({ length: m }, () => {
    const g = Float64Array.from({ length: rng.int(1, maxSize) }, () => rng.normal());
    return rng.next() < zeroProbability ? g.fill(0) : g;
  });
}
const flatten = (groups: readonly ArrayLike<number>[]): Float64Array => Float64Array.from(groups.flatMap((g) => Array.from(g)));
const unflatten = (x: ArrayLike<number>, like: readonly ArrayLike<number>[]): Float64Array[] => {
  let o = 0;
  return like.map((g) => { const out = Float64Array.from({ length: g.length }, (_, i) => x[o + i]!); o += g.length; return out; });
};
const halfSq = (groups: readonly ArrayLike<number>[]): number => 0.5 * flatten(groups).reduce((s, x) => s + x * x, 0);

/** ½‖θ − x‖² + τ·penalty(θ), as a function of the flat parameter vector. */
const proxObjective = (x: Float64Array[], k: number, tau: number, penalty: GroupPenalty, weights?: number[]) => {
  const flat = flatten(x);
  return (t: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < t.length; i++) s += 0.5 * (t[i]! - flat[i]!) ** 2;
    return s + tau * penalty.value(groupNorms(unflatten(t, x)), k, weights);
  };
};

test('R(θ) ≥ ½‖θ‖², with equality exactly when at most k groups are non-zero (random, both ways)', () => {
  const rng = createRng(31);
  let equal = 0;
  let strict = 0;
  for (let trial = 0; trial < 400; trial++) {
    const m = rng.int(2, 8);
    const groups = randomGroups(rng, m, 4, 0.45);
    const nonZero = groups.filter((g) => g.some((x) => x !== 0)).length;
    const k = rng.int(1, m);
    const gap = envelopeValue(groups, k) - halfSq(groups);
    if (nonZero <= k) { equal++; assert.ok(Math.abs(gap) <= 1e-12 * Math.max(1, halfSq(groups)), `gap ${gap}`); } else { strict++; assert.ok(gap > 1e-9, `gap ${gap}`); }
    assert.ok(envelopeMinusL2Penalty.value(groupNorms(groups), k) >= 0);
  }
  assert.ok(equal > 50 && strict > 50, `both cases exercised (${equal}, ${strict})`);
});

test('envelope prox of groups (unit weights) is the vector prox applied to the group norms, then a rescale', () => {
  const rng = createRng(32);
  for (let trial = 0; trial < 50; trial++) {
    const m = rng.int(2, 10);
    const groups = randomGroups(rng, m, 5, 0.2);
    const k = rng.int(1, m);
    const tau = [0.05, 0.5, 3][trial % 3]!;
    const out = proxGroups(groups, k, tau);
    const q = proxSquaredKSupport(groupNorms(groups), k, tau);
    assert.ok(maxAbsDiff(groupNorms(out), q) <= 1e-12);
    // directions are kept
    out.forEach((g, j) => g.forEach((x, i) => assert.ok(Math.abs(x * groupNorms(groups)[j]! - groups[j]![i]! * q[j]!) <= 1e-12)));
  }
});

test('every group prox (envelope with weights, envelope − ½‖u‖², group lasso) matches a brute-force minimisation', () => {
  const rng = createRng(33);
  const cases: [GroupPenalty, boolean][] = [[envelopePenalty, false], [envelopePenalty, true], [envelopeMinusL2Penalty, false], [envelopeMinusL2Penalty, true], [groupLassoPenalty, true]];
  for (const [penalty, weighted] of cases) {
    for (let trial = 0; trial < 6; trial++) {
      const m = rng.int(2, 4);
      const x = randomGroups(rng, m, 2);
      const k = rng.int(1, m);
      const weights = weighted ? Array.from({ length: m }, () => 0.4 + rng.next()) : undefined;
      const tau = penalty === envelopeMinusL2Penalty ? 0.5 * rng.next() * penalty.maxStep(weights) : [0.1, 0.7, 2][trial % 3]!;
      const F = proxObjective(x, k, tau, penalty, weights);
      const mine = flatten(proxGroups(x, k, tau, { penalty, ...(weights ? { weights } : {}) }));
      const brute = randomSearchMinimize(F, flatten(x), rng, 8000, 2);
      const label = `${penalty.name} weights=${weights} k=${k} τ=${tau}`;
      assert.ok(F(mine) <= F(brute) + 1e-11, `${label}: F(prox)=${F(mine)} > F(search)=${F(brute)}`);
      // strongly convex with modulus μ (1, or min_j 1 − τw_j² for the difference of convex
      // penalty): the distance to the minimiser is bounded by the objective gap
      const mu = penalty === envelopeMinusL2Penalty ? Math.min(...x.map((_, j) => 1 - tau * (weights ? weights[j]! : 1) ** 2)) : 1;
      assert.ok(maxAbsDiff(mine, brute) <= Math.sqrt((2 / mu) * (Math.max(0, F(brute) - F(mine)) + 1e-12)), label);
    }
  }
});

test('weights change the rescale: "prox of u = w ⊙ a, then q_j/u_j" is wrong for unequal weights, exact only for equal ones', () => {
  const x = [Float64Array.of(3, 0), Float64Array.of(0, 2), Float64Array.of(1, 1)];
  const k = 1;
  const tau = 0.8;
  const weights = [1, 2, 0.5];
  const naive = (() => {
    const u = weightedGroupNorms(x, weights);
    const q = proxSquaredKSupport(u, k, tau);
    return x.map((g, j) => Float64Array.from(g, (v) => (v * q[j]!) / u[j]!));
  })();
  const exact = proxGroups(x, k, tau, { weights });
  const F = proxObjective(x, k, tau, envelopePenalty, weights);
  assert.ok(F(flatten(exact)) < F(flatten(naive)) - 1e-6, 'the naive rescale is not the minimiser');
  // equal weights c: exact = naive with τ replaced by τ·c²
  const c = 1.7;
  const equal = proxGroups(x, 2, tau, { weights: [c, c, c] });
  const u = weightedGroupNorms(x, [c, c, c]);
  const q = proxSquaredKSupport(u, 2, tau * c * c);
  assert.ok(maxAbsDiff(groupNorms(equal).map((n) => n * c), q) <= 1e-12);
});

test('groups of a θ with ≤ k non-zero groups only shrink (envelope) or stay (envelope − ½‖u‖²): never grow, support kept', () => {
  const rng = createRng(34);
  for (let trial = 0; trial < 100; trial++) {
    const m = rng.int(3, 10);
    const k = rng.int(1, m - 1);
    const groups = randomGroups(rng, m, 3);
    const alive = new Set(rng.shuffle(Array.from({ length: m }, (_, j) => j)).slice(0, rng.int(1, k)));
    groups.forEach((g, j) => { if (!alive.has(j)) g.fill(0); });
    const weights = trial % 2 ? Array.from({ length: m }, () => 0.5 + rng.next()) : undefined;
    const tau = [1e-4, 1e-2, 0.1][trial % 3]!;
    const opts = weights ? { weights } : {};
    const shrunk = groupNorms(proxGroups(groups, k, tau, opts));
    const kept = groupNorms(proxGroups(groups, k, tau, { ...opts, penalty: envelopeMinusL2Penalty }));
    const before = groupNorms(groups);
    for (let j = 0; j < m; j++) {
      const w = weights ? weights[j]! : 1;
      assert.ok(Math.abs(shrunk[j]! - before[j]! / (1 + tau * w * w)) <= 1e-12, 'envelope: uniform shrink 1/(1+τw²)');
      assert.equal(shrunk[j]! > 0, before[j]! > 0);
      assert.ok(Math.abs(kept[j]! - before[j]!) <= 1e-12, 'envelope − ½‖u‖²: unchanged');
    }
  }
});

test('the envelope prox with weights ≡ 1 and ksupportSquared agree on R = ½(‖u‖^{sp}_k)²', () => {
  const groups = [Float64Array.of(1, 2), Float64Array.of(-2), Float64Array.of(0.5, 0.5, 0.5)];
  const u = groupNorms(groups);
  assert.equal(envelopeValue(groups, 2), 0.5 * ksupportSquared(u, 2));
  assert.equal(envelopeValue(groups, 2, [2, 2, 2]), 0.5 * ksupportSquared(u.map((x) => 2 * x), 2));
});

test('group lasso is block soft-thresholding; edge cases and bad input', () => {
  const out = proxGroups([Float64Array.of(3, 4), Float64Array.of(0.3, 0.4), Float64Array.of(0, 0)], 1, 1, { penalty: groupLassoPenalty });
  assert.deepEqual(out.map((g) => Array.from(g)), [[3 * 0.8, 4 * 0.8], [0, 0], [0, 0]]);
  assert.deepEqual(proxGroups([Float64Array.of(0, 0), Float64Array.of(0)], 1, 2).map((g) => Array.from(g)), [[0, 0], [0]]);
  assert.deepEqual(proxGroups([], 1, 2), []);
  // k ≥ m: the envelope is ½‖θ‖², prox = θ/(1+τ)
  assert.deepEqual(Array.from(proxGroups([Float64Array.of(2, -4)], 3, 1)[0]!), [1, -2]);
  assert.throws(() => proxGroups([Float64Array.of(1)], 1, 1, { weights: [1, 2] }), WgsefMethodError);
  assert.throws(() => proxGroups([Float64Array.of(1)], 1, 2, { penalty: envelopeMinusL2Penalty }), /must be < 1/);
});
