import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installKernels } from '../../../evaluators/kernels/index.js';
import { FUSED_ADAM, FusedAdamOptimizer, fusedAdamActive, installNativeKernels, nativeAvailable, uninstallNativeKernels } from '../../../evaluators/kernels/native/index.js';
import { createRng } from '../../../search/rng.js';

const status = nativeAvailable();
const skip = status.ok ? false : `skipped: ${status.reason}`;

/** Trains two copies of the same variables, one with tfjs' Adam, one with the fused optimiser. */
function trainPair(steps: number, shapes: number[][], seed: number, lr = 1e-3) {
  const r = createRng(seed);
  const rng = (): number => r.next();
  const values = shapes.map((s) => Float32Array.from({ length: tf.util.sizeFromShape(s) }, () => rng() * 2 - 1));
  const grads = Array.from({ length: steps }, () => shapes.map((s) => Float32Array.from({ length: tf.util.sizeFromShape(s) }, () => (rng() * 2 - 1) * (rng() < 0.1 ? 100 : 0.01))));
  const run = (opt: tf.Optimizer, tag: string) => {
    const vars = shapes.map((s, i) => tf.tidy(() => tf.variable(tf.tensor(values[i], s), true, `${tag}${seed}_${i}`)));
    for (const step of grads) {
      tf.tidy(() => opt.applyGradients(Object.fromEntries(vars.map((v, i) => [v.name, tf.tensor(step[i], shapes[i])]))));
    }
    const out = vars.map((v) => Float32Array.from(v.dataSync()));
    return { vars, out };
  };
  const ref = tf.train.adam(lr, 0.9, 0.999, 1e-7);
  const fused = new FusedAdamOptimizer(lr, 0.9, 0.999, 1e-7);
  const a = run(ref, 'ref');
  const b = run(fused, 'fused');
  return { ref, fused, a, b, values };
}

function maxRelDiff(x: Float32Array, y: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(1e-6, Math.abs(x[i])));
  return worst;
}

before(async () => {
  await tf.setBackend('wasm');
  installKernels('wasm');
  installNativeKernels();
});
after(() => {
  uninstallNativeKernels();
});

test('fused Adam: weights and both moments equal tfjs Adam over 25 steps, small and pool-sized variables, gradient outliers', { skip }, async () => {
  assert.ok(fusedAdamActive(), 'the fused update is not active on wasm + native');
  const before = tf.memory().numTensors;
  // 70,000 values run on the pool in 16K chunks; 10 and 1 value stay on the calling thread.
  const shapes = [[350, 200], [10], [1], [7, 3]];
  const { ref, fused, a, b, values } = trainPair(25, shapes, 5);
  for (let i = 0; i < shapes.length; i++) {
    assert.ok(maxRelDiff(a.out[i], b.out[i]) <= 1e-6, `variable ${i}: weights differ by ${maxRelDiff(a.out[i], b.out[i])} (relative)`);
  }
  const [wa, wb] = [await ref.getWeights(), await fused.getWeights()];
  assert.deepEqual(wb.map((w) => w.name.replace('fused', '')), wa.map((w) => w.name.replace('ref', '')));
  for (let i = 0; i < wa.length; i++) {
    const [x, y] = [Float32Array.from(wa[i].tensor.dataSync()), Float32Array.from(wb[i].tensor.dataSync())];
    assert.ok(maxRelDiff(x, y) <= 1e-6, `${wa[i].name}: moments differ by ${maxRelDiff(x, y)}`);
  }
  // The weights moved (the test would pass trivially if neither optimiser did anything).
  assert.ok(maxRelDiff(values[0], b.out[0]) > 1e-4, 'the fused optimiser left the weights where they were');
  tf.dispose([wa[0].tensor, wb[0].tensor]); // getWeights' iteration counts
  ref.dispose();
  fused.dispose();
  tf.dispose([...a.vars, ...b.vars]);
  assert.equal(tf.memory().numTensors, before, 'tensors leaked');
});

test('fused Adam: the update moves the weights as Adam does (first step is -lr * sign(g))', { skip }, () => {
  const opt = new FusedAdamOptimizer(0.01, 0.9, 0.999, 1e-7);
  const w = tf.tidy(() => tf.variable(tf.tensor([1, 2, 3, 4]), true, 'fusedFirstStep'));
  tf.tidy(() => opt.applyGradients([{ name: w.name, tensor: tf.tensor([0.5, -2, 1e-3, 0]) }]));
  const got = Array.from(w.dataSync());
  // m̂ = g, v̂ = g², so the step is -lr·g/(|g| + ε): -lr·sign(g) (and 0 for g = 0).
  [0.99, 2.01, 2.99, 4].forEach((want, i) => assert.ok(Math.abs(got[i] - want) < 1e-5, `w[${i}] = ${got[i]}, want ${want}`));
  opt.dispose();
  w.dispose();
});

test('fused Adam: falls back to tfjs Adam when disabled, and a gradient of the wrong size is refused by name', { skip }, () => {
  uninstallNativeKernels();
  assert.equal(fusedAdamActive(), false);
  const opt = new FusedAdamOptimizer(0.01, 0.9, 0.999, 1e-7);
  const w = tf.tidy(() => tf.variable(tf.tensor([1, 2]), true, 'fusedFallback'));
  tf.tidy(() => opt.applyGradients([{ name: w.name, tensor: tf.tensor([1, -1]) }]));
  assert.ok(Math.abs(w.dataSync()[0] - 0.99) < 1e-5);
  installNativeKernels();
  assert.equal(fusedAdamActive(), true);
  const g = tf.tensor([1, 2, 3]);
  assert.throws(() => tf.engine().runKernel(FUSED_ADAM, { x: w, g, m: w, v: w }, { beta1: 0.9, beta2: 0.999, oneMinusAccBeta1: 0.1, oneMinusAccBeta2: 0.001, epsilon: 1e-7, learningRate: 0.01 }),
    /gradient must be float32 with the variable's 2 values/);
  tf.dispose([g, w]);
  opt.dispose();
});
