import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../../search/index.js';
import { ksupportSquared, proxSquaredKSupport, solveEnvelopeProx, topKSquares, WgsefMethodError } from '../../../../evaluators/methods/wgsef/index.js';
import { docFormulaProx, maxAbsDiff, proxVariational, randomSearchMinimize, randomVector } from './brute-force.js';

const objective = (v: ArrayLike<number>, k: number, lambda: number) => (q: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += 0.5 * (q[i]! - v[i]!) ** 2;
  return s + 0.5 * lambda * ksupportSquared(q, k);
};

const LAMBDAS = [0.01, 0.3, 1, 4, 50];

test('prox agrees with the variational brute force (SMO over the box-norm θ), m ≤ 6, several k and λ', () => {
  const rng = createRng(21);
  for (let trial = 0; trial < 30; trial++) {
    const m = rng.int(2, 6);
    const v = randomVector(rng, m, trial % 4 === 0 ? 0.3 : 0);
    for (const lambda of LAMBDAS) {
      for (let k = 1; k <= m; k++) {
        const q = proxSquaredKSupport(v, k, lambda);
        const ref = proxVariational(v, k, lambda);
        assert.ok(maxAbsDiff(q, ref) <= 1e-7, `v=${Array.from(v)} k=${k} λ=${lambda}: ${Array.from(q)} vs ${Array.from(ref)}`);
      }
    }
  }
});

test('the (r, l) formula of algorithms.md holds: exactly one (r, l) satisfies its conditions and it gives our q', () => {
  const rng = createRng(22);
  for (let trial = 0; trial < 150; trial++) {
    const m = rng.int(2, 8);
    const v = randomVector(rng, m);
    const lambda = LAMBDAS[trial % LAMBDAS.length]!;
    for (let k = 1; k < m; k++) {
      const found = docFormulaProx(v, k, lambda);
      assert.equal(found.length, 1, `v=${Array.from(v)} k=${k} λ=${lambda}: ${found.length} (r,l) pairs`);
      assert.ok(maxAbsDiff(found[0]!.q, proxSquaredKSupport(v, k, lambda)) <= 1e-12);
    }
  }
});

test('the (r, l) formula with ties is still unique, but has NO solution when v has fewer than k non-zeros (then q = v/(1+λ))', () => {
  for (const v of [[1, 1, 1, 1], [2, 2, 1, 1], [3, 1, 1, 1, 0], [1, 1, 0.5, 0.5, 0.5], [0, 0, 0, 1], [2, -2, 2, 0, 0], [0, 0.5, 0, -0.5]]) {
    const nnz = v.filter((x) => x !== 0).length;
    for (const lambda of LAMBDAS) {
      for (let k = 1; k < v.length; k++) {
        const found = docFormulaProx(v, k, lambda);
        const q = proxSquaredKSupport(v, k, lambda);
        if (nnz < k) {
          assert.equal(found.length, 0, `v=${v} k=${k}: the doc's conditions need z_l > 0 for some l ≥ k`);
          assert.ok(maxAbsDiff(q, v.map((x) => x / (1 + lambda))) <= 1e-15);
        } else {
          assert.equal(found.length, 1, `v=${v} k=${k} λ=${lambda}`);
          assert.ok(maxAbsDiff(found[0]!.q, q) <= 1e-12);
        }
      }
    }
  }
});

test('prox minimises ½‖q − v‖² + (λ/2)(‖q‖^{sp}_k)²: a generic random search never does better', () => {
  const rng = createRng(23);
  for (let trial = 0; trial < 12; trial++) {
    const m = rng.int(2, 5);
    const v = randomVector(rng, m);
    const k = rng.int(1, m);
    const lambda = LAMBDAS[trial % LAMBDAS.length]!;
    const F = objective(v, k, lambda);
    const q = proxSquaredKSupport(v, k, lambda);
    const brute = randomSearchMinimize(F, Float64Array.from(v), rng, 6000, 2);
    assert.ok(F(q) <= F(brute) + 1e-12, `F(prox)=${F(q)} > F(search)=${F(brute)}`);
    // strong convexity (modulus 1): ‖q − q*‖² ≤ 2(F(brute) − F(q*))
    const gap = Math.max(0, F(brute) - F(q));
    assert.ok(maxAbsDiff(q, brute) <= Math.sqrt(2 * (gap + 1e-13)), `gap=${gap} dist=${maxAbsDiff(q, brute)}`);
  }
});

test('Moreau decomposition: v − prox(v) is the prox of the conjugate (1/(2λ))·Σ_{top k} y² ', () => {
  const rng = createRng(24);
  for (let trial = 0; trial < 20; trial++) {
    const m = rng.int(2, 6);
    const v = randomVector(rng, m);
    const k = rng.int(1, m - 1 || 1);
    const lambda = LAMBDAS[trial % LAMBDAS.length]!;
    const q = proxSquaredKSupport(v, k, lambda);
    const y = Float64Array.from(v, (x, i) => x - q[i]!);
    const G = (x: Float64Array): number => x.reduce((s, xi, i) => s + 0.5 * (xi - v[i]!) ** 2, 0) + topKSquares(x, k) / (2 * lambda);
    const brute = randomSearchMinimize(G, Float64Array.from(v), rng, 6000, 2);
    assert.ok(G(y) <= G(brute) + 1e-12);
  }
});

test('k-sparse v (and k ≥ m) is shrunk uniformly by 1/(1+λ): support kept, nothing grows', () => {
  const rng = createRng(25);
  for (let trial = 0; trial < 100; trial++) {
    const m = rng.int(3, 12);
    const k = rng.int(1, m);
    const v = new Float64Array(m);
    const support = rng.shuffle(Array.from({ length: m }, (_, i) => i)).slice(0, rng.int(0, k));
    for (const i of support) v[i] = rng.normal();
    const lambda = [1e-4, 0.01, 0.5, 3][trial % 4]!;
    const q = proxSquaredKSupport(v, k, lambda);
    for (let i = 0; i < m; i++) {
      assert.ok(Math.abs(q[i]! - v[i]! / (1 + lambda)) <= 1e-12 * (1 + Math.abs(v[i]!)));
      assert.ok(Math.abs(q[i]!) <= Math.abs(v[i]!));
    }
  }
  const v = [3, -1, 2];
  assert.deepEqual(Array.from(proxSquaredKSupport(v, 5, 1)), [1.5, -0.5, 1]);
});

test('edge cases: all zeros, λ = 0, ties, one element; bad input is rejected', () => {
  assert.deepEqual(Array.from(proxSquaredKSupport([0, 0, 0, 0], 2, 1)), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(proxSquaredKSupport([1, -2, 3], 1, 0)), [1, -2, 3]);
  assert.deepEqual(Array.from(proxSquaredKSupport([], 1, 1)), []);
  assert.deepEqual(Array.from(proxSquaredKSupport([-4], 1, 1)), [-2]);
  for (const v of [[1, 1, 1, 1], [2, 2, 1, 1], [3, 1, 1, 1, 0], [1, 1, 0.5, 0.5, 0.5]]) {
    for (const lambda of LAMBDAS) {
      for (let k = 1; k <= v.length; k++) {
        const q = proxSquaredKSupport(v, k, lambda);
        assert.ok(maxAbsDiff(q, proxVariational(v, k, lambda)) <= 1e-7, `ties v=${v} k=${k} λ=${lambda}`);
        // equal inputs get equal outputs
        for (let i = 1; i < v.length; i++) if (v[i] === v[i - 1]) assert.ok(Math.abs(q[i]! - q[i - 1]!) <= 1e-12);
      }
    }
  }
  assert.throws(() => proxSquaredKSupport([1, 2], 0, 1), WgsefMethodError);
  assert.throws(() => proxSquaredKSupport([1, 2], 1, -1), WgsefMethodError);
  assert.throws(() => proxSquaredKSupport([1, NaN], 1, 1), WgsefMethodError);
  assert.throws(() => solveEnvelopeProx([1, 2], 1, 1, { weights: [1, 0] }), WgsefMethodError);
});

test('large λ leaves the top k (strictly separated) and zeroes the rest; the count of survivors falls with λ', () => {
  const rng = createRng(26);
  for (let trial = 0; trial < 30; trial++) {
    const m = rng.int(5, 40);
    const v = randomVector(rng, m);
    const k = rng.int(1, m - 1);
    let prev = m + 1;
    for (const lambda of [1e-3, 1e-2, 0.1, 1, 10, 100, 1e4, 1e7]) {
      const nnz = Array.from(proxSquaredKSupport(v, k, lambda)).filter((x) => x !== 0).length;
      assert.ok(nnz <= prev && nnz >= Math.min(k, m));
      prev = nnz;
    }
  }
});
