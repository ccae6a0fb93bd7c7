import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { captureGradient, regularise } from '../../evaluators/gradients.js';
import { TRAINING, useBackend } from './helpers.js';

await useBackend('wasm');

const close = (t: tf.Tensor, expected: number[]) => Array.from(t.dataSync()).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `${v} vs ${expected[i]}`));

test('global-norm clipping comes first, then weight decay on kernels only', () => {
  const before = tf.memory().numTensors;
  const init = tf.tensor1d([1, 1]);
  const kernel = tf.variable(init, true, 'gradients-test/kernel');
  init.dispose();
  tf.tidy(() => {
    // Global norm of (3, 4, 0) is 5: clipped to 1 → (0.6, 0.8, 0); decay 0.1·W on the kernel only.
    const grads = { 'gradients-test/kernel': tf.tensor1d([3, 4]), bias: tf.tensor1d([0]) };
    const out = regularise(grads, { ...TRAINING, gradClipNorm: 1, weightDecay: 0.1 }, new Map([['gradients-test/kernel', kernel]]));
    close(out['gradients-test/kernel']!, [0.7, 0.9]);
    close(out['bias']!, [0]);
    // Below the threshold nothing is scaled.
    close(regularise(grads, { ...TRAINING, gradClipNorm: 10 }, new Map())['bias']!, [0]);
    close(regularise(grads, { ...TRAINING, gradClipNorm: 10 }, new Map())['gradients-test/kernel']!, [3, 4]);
  });
  kernel.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('captureGradient is the identity forward and records ∂L/∂W_eff in the backward pass', () => {
  const into = new Map<string, tf.Tensor>();
  const w = tf.tensor1d([1, 2, 3]);
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(captureGradient(tf.mul(x, 2), 'w', into), tf.tensor1d([1, 10, 100]))))(w);
  close(into.get('w')!, [1, 10, 100]);
  close(g, [2, 20, 200]);
  tf.dispose([w, g, ...into.values()]);
});
