import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../search/index.js';
import { createSparseMethod, nmKeptAlongAxis, nmMask } from '../../../evaluators/sparse/index.js';
import { disposeParams, effective, makeParam, nonZerosPerGroup, spec, useCpu, values } from './sparse-fixtures.js';

before(useCpu);

test('nmMask keeps the N largest |w| of every M-group along the input axis', () => {
  // dense [in=8, out=2]: column 0 groups are rows 0-3 and 4-7
  const w = tf.tensor2d([[1, -9], [-5, 8], [3, 7], [0.5, -6], [2, 1], [-4, 2], [6, 3], [0, 4]]);
  const m = nmMask(w, 2, 4, 0);
  assert.deepEqual(Array.from(values(m)), [0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1]);
  tf.dispose([w, m]);
});

test('a trailing partial group keeps ceil(N·r/M)', () => {
  assert.equal(nmKeptAlongAxis(6, 2, 4), 2 + 1);
  assert.equal(nmKeptAlongAxis(3, 2, 4), 2);
  assert.equal(nmKeptAlongAxis(10, 1, 8), 1 + 1);
  const rng = createRng(3);
  const w = tf.tensor(Float32Array.from({ length: 3 * 3 * 6 * 2 }, () => rng.normal()), [3, 3, 6, 2]);
  const m = nmMask(w, 2, 4, 2);
  const groups = nonZerosPerGroup(values(m), [3, 3, 6, 2], 2, 4);
  for (const g of groups) assert.equal(g.nnz, g.size === 4 ? 2 : 1);
  tf.dispose([w, m]);
});

for (const [n, m] of [[2, 4], [1, 4], [2, 8]] as const) {
  for (const method of ['srste', 'static'] as const) {
    test(`${n}:${m} ${method}: every group holds ≤ ${n} non-zeros after every training step`, () => {
      const rng = createRng(10 * n + m);
      const params = [makeParam('dense_0', [16, 5], rng), makeParam('conv_1', [3, 3, 8, 4], rng)];
      const inputs = [tf.tensor(Float32Array.from({ length: 4 * 16 }, () => rng.normal()), [4, 16]), tf.tensor(Float32Array.from({ length: 4 * 5 * 5 * 8 }, () => rng.normal()), [4, 5, 5, 8])];
      const sm = createSparseMethod(spec({ kind: 'n:m', method, n, m }));
      sm.init(params, spec({ kind: 'n:m', method, n, m }), createRng(1), 10);
      const opt: tf.Optimizer = tf.train.adam(0.05);
      let changed = false;
      const first = values(params[0]!.mask);
      for (let step = 1; step <= 6; step++) {
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => {
            const [wd, wc] = params.map((p) => sm.effectiveWeight(p)) as [tf.Tensor2D, tf.Tensor4D];
            const a = tf.sum(tf.square(tf.sub(tf.matMul(inputs[0] as tf.Tensor2D, wd), 1)));
            const b = tf.sum(tf.square(tf.sub(tf.conv2d(inputs[1] as tf.Tensor4D, wc, 1, 'same'), 0.5)));
            return tf.add(a, b) as tf.Scalar;
          }, params.map((p) => p.weight));
          opt.applyGradients(grads);
        });
        sm.afterStep(params, { step, totalSteps: 10, learningRate: 0.05 });
        for (const p of params) {
          const eff = effective(sm, p);
          for (const g of nonZerosPerGroup(eff, p.weight.shape, p.inputAxis, m)) assert.ok(g.nnz <= n, `${p.name} step ${step}: ${g.nnz} > ${n}`);
          // param.mask reports the pattern the forward pass used
          for (const g of nonZerosPerGroup(values(p.mask), p.weight.shape, p.inputAxis, m)) assert.equal(g.nnz, n);
          assert.equal(p.targetSparsity, 1 - n / m);
        }
        if (values(params[0]!.mask).some((v, i) => v !== first[i])) changed = true;
      }
      // SR-STE keeps dense weights, so its pattern moves with training; a static mask never does.
      assert.equal(changed, method === 'srste');
      sm.dispose();
      opt.dispose();
      disposeParams(params);
      tf.dispose(inputs);
    });
  }
}

test('SR-STE gradient is ∂L/∂W̃ + λ·(1 − M)⊙W and reaches the variable; λ = 0 is plain STE', () => {
  const rng = createRng(5);
  for (const lambda of [0, 2e-4, 0.5]) {
    const p = makeParam('conv_0', [2, 2, 8, 3], rng);
    const sm = createSparseMethod(spec({ kind: 'n:m', method: 'srste', n: 2, m: 4, srsteLambda: lambda }));
    sm.init([p], spec({ kind: 'n:m', method: 'srste', n: 2, m: 4, srsteLambda: lambda }), createRng(1), 10);
    const c = tf.tensor(Float32Array.from({ length: p.weight.size }, () => rng.normal()), p.weight.shape);
    const before = tf.memory().numTensors;
    // L = Σ c ⊙ W̃ ⇒ ∂L/∂W̃ = c
    const g = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(c, sm.effectiveWeight(p))) as tf.Scalar, [p.weight]);
      return grads[p.weight.name]!;
    });
    const w = values(p.weight);
    const mask = values(p.mask);
    const cv = values(c);
    const got = values(g);
    let prunedWithGrad = 0;
    for (let i = 0; i < w.length; i++) {
      const expected = cv[i]! + lambda * (1 - mask[i]!) * w[i]!;
      assert.ok(Math.abs(got[i]! - expected) < 1e-6, `λ=${lambda} i=${i}: ${got[i]} vs ${expected}`);
      if (mask[i] === 0 && got[i] !== 0) prunedWithGrad++;
    }
    // straight-through: pruned weights get a gradient (W ⊙ M would give them exactly 0)
    assert.ok(prunedWithGrad > 0);
    g.dispose();
    assert.equal(tf.memory().numTensors, before);
    // and the effective weight is W ⊙ M(W)
    const eff = effective(sm, p);
    for (let i = 0; i < w.length; i++) assert.equal(eff[i], w[i]! * mask[i]!);
    sm.dispose();
    c.dispose();
    disposeParams([p]);
  }
});

test('SR-STE gradient agrees with finite differences of the loss in the effective weight', () => {
  // SR-STE: ∂L/∂W_i = ∂L/∂W̃_i + λ·(1 − M_i)·W_i. ∂L/∂W̃_i is checked numerically at every position,
  // pruned ones included (there W̃_i = 0 but the loss still has a slope).
  const rng = createRng(9);
  const lambda = 0.3;
  const p = makeParam('dense_0', [8, 2], rng);
  const s = spec({ kind: 'n:m', method: 'srste', n: 2, m: 4, srsteLambda: lambda });
  const sm = createSparseMethod(s);
  sm.init([p], s, createRng(1), 10);
  const x = tf.tensor2d(Float32Array.from({ length: 3 * 8 }, () => rng.normal()), [3, 8]);
  const lossOf = (wt: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.sub(tf.matMul(x, wt as tf.Tensor2D), 1))) as tf.Scalar;
  const g = values(tf.tidy(() => tf.variableGrads(() => lossOf(sm.effectiveWeight(p)), [p.weight]).grads[p.weight.name]!));
  const w = values(p.weight);
  const mask = values(p.mask);
  const wt = w.map((v, i) => v * mask[i]!);
  const at = (v: Float32Array): number => tf.tidy(() => lossOf(tf.tensor(v, p.weight.shape)).dataSync()[0]!);
  const h = 1e-2;
  for (let i = 0; i < w.length; i++) {
    const plus = Float32Array.from(wt); plus[i] += h;
    const minus = Float32Array.from(wt); minus[i] -= h;
    const expected = (at(plus) - at(minus)) / (2 * h) + lambda * (1 - mask[i]!) * w[i]!;
    assert.ok(Math.abs(expected - g[i]!) < 2e-2 * Math.max(1, Math.abs(expected)), `${i}: ${g[i]} vs ${expected}`);
  }
  sm.dispose();
  x.dispose();
  disposeParams([p]);
});
