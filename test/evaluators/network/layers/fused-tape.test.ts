import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '../../../../evaluators/network/layers/batch-norm.js';
import { weightedSum } from '../../../../evaluators/network/layers/cells.js';
import { useBackend } from '../../helpers.js';

await useBackend('cpu');

const maxDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

/** The composition the fused BN replaces: tf.moments, then (x − μ)/√(σ² + ε)·γ + β. */
function referenceBn(x: tf.Tensor, gamma?: tf.Tensor, beta?: tf.Tensor): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const m = tf.moments(x, axes);
  const xhat = tf.div(tf.sub(x, m.mean), tf.sqrt(tf.add(m.variance, 1e-5)));
  return gamma && beta ? tf.add(tf.mul(xhat, gamma), beta) : xhat;
}

test('fused training BN: the value, batch statistics and ∂x, ∂γ, ∂β of the tf.moments composition (affine, non-affine, image and flat)', () => {
  const before = tf.memory().numTensors;
  for (const [shape, affine] of [[[4, 3, 5, 2], true], [[4, 3, 5, 2], false], [[7, 3], true], [[7, 3], false]] as const) {
    tf.tidy(() => {
      const c = shape[shape.length - 1]!;
      const x = tf.randomNormal([...shape], 1, 2, 'float32', 3);
      const gamma = affine ? tf.tensor1d(Array.from({ length: c }, (_, i) => 1.5 - i)) : undefined;
      const beta = affine ? tf.tensor1d(Array.from({ length: c }, (_, i) => 0.2 + i)) : undefined;
      const r = tf.randomNormal([...shape], 0, 1, 'float32', 4); // a loss Σ r ⊙ y² that weighs every output differently
      const loss = (f: (...t: tf.Tensor[]) => tf.Tensor) => (...t: tf.Tensor[]) => tf.sum(tf.mul(r, tf.square(f(...t))));
      const inputs = affine ? [x, gamma!, beta!] : [x];
      const kept: tf.Tensor[] = [];
      const ours = tf.grads(loss((a, g, b) => { const o = batchNormTraining(a!, g, b); kept.push(o.batchMean, o.batchVariance); return o.y; }))(inputs);
      tf.dispose(kept);
      const theirs = tf.grads(loss((a, g, b) => referenceBn(a!, g, b)))(inputs);
      ours.forEach((g, i) => assert.ok(maxDiff(g, theirs[i]!) < 1e-3 * (1 + tf.max(tf.abs(theirs[i]!)).dataSync()[0]!), `shape ${shape} affine ${affine}: gradient ${i} differs by ${maxDiff(g, theirs[i]!)}`));
      const { y, batchMean, batchVariance } = batchNormTraining(x, gamma, beta);
      assert.ok(maxDiff(y, referenceBn(x, gamma, beta)) < 1e-4);
      const m = tf.moments(x, shape.slice(0, -1).map((_, i) => i));
      assert.ok(maxDiff(batchMean, m.mean) < 1e-5 && maxDiff(batchVariance, m.variance) < 1e-4, 'the biased batch variance, as tf.moments');
      tf.dispose([batchMean, batchVariance]);
    });
  }
  assert.equal(tf.memory().numTensors, before);
});

test('fused training BN keeps at least three full-size tensors fewer for the backward than the composition', () => {
  const x = tf.randomNormal([8, 6, 6, 4], 0, 1, 'float32', 1), gamma = tf.ones([4]), beta = tf.zeros([4]);
  // Live bytes at the start of the backward (the forward's tidy has released what the tape does not keep).
  const retained = (f: (t: tf.Tensor) => tf.Tensor): number => {
    let bytes = 0;
    const probe = tf.customGrad(((t: tf.Tensor) => ({ value: tf.clone(t), gradFunc: (dy: tf.Tensor) => { bytes = tf.memory().numBytes; return tf.clone(dy); } })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (t: tf.Tensor) => tf.Tensor;
    const start = tf.memory().numBytes;
    const g = tf.grad((t: tf.Tensor) => tf.sum(probe(f(t))))(x);
    g.dispose();
    return (bytes - start) / (x.size * 4);
  };
  const fused = retained((t) => { const r = batchNormTraining(t, gamma, beta); tf.dispose([r.batchMean, r.batchVariance]); return r.y; });
  const composed = retained((t) => referenceBn(t, gamma, beta));
  assert.ok(composed >= fused + 3, `the composition keeps ${composed.toFixed(2)} input sizes, the fused BN ${fused.toFixed(2)}: three more`);
  tf.dispose([x, gamma, beta]);
});

test('weightedSum: Σ w_k·t_k with the gradients of tf.addN of tf.mul (terms and scalar weights)', () => {
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const terms = [1, 2, 3].map((s) => tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', s));
    const weights = [0.2, -0.7, 1.3].map((w) => tf.scalar(w));
    const r = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 9);
    const loss = (f: (...t: tf.Tensor[]) => tf.Tensor) => (...t: tf.Tensor[]) => tf.sum(tf.mul(r, tf.square(f(...t))));
    const ours = tf.grads(loss((...t) => weightedSum(t.slice(0, 3), t.slice(3))))([...terms, ...weights]);
    const theirs = tf.grads(loss((...t) => tf.addN(t.slice(0, 3).map((x, k) => tf.mul(x, t[3 + k]!)))))([...terms, ...weights]);
    ours.forEach((g, i) => {
      assert.deepEqual(g.shape, theirs[i]!.shape);
      assert.ok(maxDiff(g, theirs[i]!) < 1e-4, `gradient ${i} differs by ${maxDiff(g, theirs[i]!)}`);
    });
    assert.ok(maxDiff(weightedSum(terms, weights), tf.addN(terms.map((t, k) => tf.mul(t, weights[k]!)))) < 1e-6);
    assert.throws(() => weightedSum(terms, weights.slice(1)), /3 terms and 2 weights/);
  });
  assert.equal(tf.memory().numTensors, before);
});
