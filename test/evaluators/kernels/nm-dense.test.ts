import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installKernels } from '../../../evaluators/kernels/index.js';
import { installNativeKernels, loadNativeAddon, nmDense, nmKernelsAvailable, sparseKernelsBlocker, type SparseActivation } from '../../../evaluators/kernels/native/index.js';
import { buildNetwork } from '../../../evaluators/network/build-network.js';
import { createSparseMethod } from '../../../evaluators/sparse/index.js';
import { nmMaskValues } from '../../../evaluators/sparse/nm-mask.js';
import { syntheticDataset } from '../../../evaluators/synthetic-dataset.js';
import { trainNetwork } from '../../../evaluators/train.js';
import { createRng, type TrainingConfig } from '../../../search/index.js';
import { arch, recorder } from '../helpers.js';

const addon = loadNativeAddon().addon;
const hasNm = typeof addon?.nmDense === 'function';

/** Seeded values in [-1, 1), with ties (a few exact repeats) to exercise the tie rule. */
function values(size: number, seed: number): Float32Array {
  const rng = createRng(seed, seed);
  return Float32Array.from({ length: size }, (_, i) => (i % 7 === 3 ? 0.25 : Math.round((rng.next() * 2 - 1) * 64) / 64));
}

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!, a = actual[i]!;
    if (Math.abs(a - e) > tol * Math.max(1, Math.abs(e))) assert.fail(`${what}[${i}] = ${a}, expected ${e}`);
  }
}

describe('native N:M dense-layer kernels', { skip: hasNm ? false : 'native addon without N:M kernels (node scripts/build-native.mjs)' }, () => {
  let previous = '';
  before(async () => {
    previous = tf.getBackend();
    await tf.setBackend('wasm');
    installKernels('wasm');
    installNativeKernels();
  });
  after(async () => {
    addon!.selectNmIsa!(addon!.nmInfo!().isa);
    if (previous) await tf.setBackend(previous);
  });

  const isas = ['generic', 'avx2', 'avx512'].filter((isa) => {
    const current = addon?.nmInfo?.().isa;
    const ok = addon?.selectNmIsa?.(isa) ?? false;
    if (current) addon?.selectNmIsa?.(current);
    return ok;
  });

  // [batch, in, out]: in not a multiple of M (partial trailing group), batch 1, a batch over
  // one 64-row tile with a ragged end, one output.
  const shapes: [number, number, number][] = [[1, 10, 3], [70, 37, 17], [5, 8, 1], [33, 64, 40], [128, 100, 10]];
  const patterns: [number, number][] = [[2, 4], [1, 4], [2, 8], [3, 16]];

  test('forward, input gradient and SR-STE weight gradient equal the masked dense computation (every ISA, pattern and shape)', () => {
    assert.ok(nmKernelsAvailable());
    for (const isa of isas) {
      assert.ok(addon!.selectNmIsa!(isa), isa);
      for (const [n, m] of patterns) {
        for (const [batch, inputs, outputs] of shapes) {
          for (const activation of ['relu', 'linear'] as SparseActivation[]) {
            const lambda = 2e-4;
            const seed = batch * 31 + inputs * 7 + outputs + n * 3 + m;
            const wv = values(inputs * outputs, seed);
            const maskv = nmMaskValues(wv.map(Math.abs), [inputs, outputs], n, m, 0);
            const what = `${isa} ${n}:${m} ${batch}x${inputs}->${outputs} ${activation}`;
            const got = tf.tidy(() => {
              const x = tf.tensor2d(values(batch * inputs, seed + 1), [batch, inputs]);
              const w = tf.tensor2d(wv, [inputs, outputs]);
              const b = tf.tensor1d(values(outputs, seed + 2));
              const probe = tf.tensor2d(values(batch * outputs, seed + 3), [batch, outputs]);
              const mask = tf.tensor2d(maskv, [inputs, outputs]);
              const ours = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(nmDense(xx as tf.Tensor2D, ww, { n, m, lambda }, bb, activation), probe)));
              const ref = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
                const z = tf.add(tf.matMul(xx as tf.Tensor2D, tf.mul(ww, mask) as tf.Tensor2D), bb);
                return tf.sum(tf.mul(activation === 'relu' ? tf.relu(z) : z, probe));
              });
              const y = nmDense(x, w, { n, m, lambda }, b, activation);
              const z = tf.add(tf.matMul(x, tf.mul(w, mask) as tf.Tensor2D), b);
              const yRef = activation === 'relu' ? tf.relu(z) : z;
              const g = ours([x, w, b]), r = ref([x, w, b]);
              // SR-STE: ∂L/∂W = ∂L/∂W̃ (dense, straight through) + λ (1 − M) ⊙ W
              const dwRef = tf.add(tf.matMul(x, tf.mul(probe, activation === 'relu' ? tf.step(z) : 1), true, false), tf.mul(lambda, tf.mul(tf.sub(1, mask), w)));
              return [y, yRef, g[0]!, r[0]!, g[1]!, dwRef, g[2]!, r[2]!].map((t) => t.dataSync().slice());
            });
            close(got[0]!, got[1]!, `${what} y`);
            close(got[2]!, got[3]!, `${what} dx`);
            close(got[4]!, got[5]!, `${what} dw`);
            close(got[6]!, got[7]!, `${what} db`);
          }
        }
      }
    }
  });

  test('a fully dense row (N = M) is the plain dense layer; bad patterns are refused with the rule', () => {
    const [batch, inputs, outputs] = [4, 9, 5];
    const [ours, ref] = tf.tidy(() => {
      const x = tf.tensor2d(values(batch * inputs, 1), [batch, inputs]);
      const w = tf.tensor2d(values(inputs * outputs, 2), [inputs, outputs]);
      return [nmDense(x, w, { n: 4, m: 4, lambda: 0 }, undefined, 'linear'), tf.matMul(x, w)].map((t) => t.dataSync().slice());
    });
    close(ours!, ref!, 'N = M');
    const x = tf.zeros([2, 8]) as tf.Tensor2D, w = tf.zeros([8, 3]);
    assert.throws(() => nmDense(x, w, { n: 5, m: 4, lambda: 0 }, undefined, 'linear'), /1 <= N <= M <= 16/);
    assert.throws(() => nmDense(x, w, { n: 2, m: 32, lambda: 0 }, undefined, 'linear'), /1 <= N <= M <= 16/);
    tf.dispose([x, w]);
  });

  test('results do not depend on the thread count or on repeating the call', () => {
    const [batch, inputs, outputs] = [200, 300, 100];
    const run = () => tf.tidy(() => {
      const x = tf.tensor2d(values(batch * inputs, 8), [batch, inputs]);
      const w = tf.tensor2d(values(inputs * outputs, 9), [inputs, outputs]);
      const probe = tf.tensor2d(values(batch * outputs, 10), [batch, outputs]);
      const g = tf.grads((xx: tf.Tensor) => tf.sum(tf.mul(nmDense(xx as tf.Tensor2D, w, { n: 2, m: 4, lambda: 0 }, undefined, 'relu'), probe)))([x]);
      return [nmDense(x, w, { n: 2, m: 4, lambda: 0 }, undefined, 'relu'), g[0]!].map((t) => t.dataSync().slice());
    });
    const a = run(), b = run();
    // The tiles (64 rows) are the tasks: each output value is summed by one task in one order.
    assert.deepEqual(a, b);
  });

  const data = syntheticDataset({ shape: [24], classes: 4, train: 320, validation: 96, test: 0 }, 5);
  const TRAIN: TrainingConfig = { epochs: 2, batchSize: 32, optimizer: 'adam', learningRate: 0.01 };

  async function trial(n: number, m: number, seed: number) {
    const a = arch([{ type: 'dense', units: 48, activation: 'relu' }, { type: 'dense', units: 24, activation: 'tanh' }], { kind: 'n:m', method: 'srste', n, m });
    const net = buildNetwork(a, data.shape, data.classes, seed);
    const method = createSparseMethod(a.sparsity);
    try {
      method.init(net.params, a.sparsity, createRng(seed), 20);
      net.enforceStructure();
      const result = await trainNetwork({ net, method, dataset: data, training: TRAIN, seed, reporter: recorder() });
      const kept = net.params.map((p) => ({ name: p.name, w: p.weight.dataSync().slice(), m: p.mask.dataSync().slice(), shape: p.weight.shape }));
      return { result, kept };
    } finally {
      method.dispose();
      net.dispose();
    }
  }

  for (const [n, m] of [[2, 4], [1, 4], [2, 8]] as const) {
    test(`a seeded SR-STE ${n}:${m} trial on the N:M kernels matches the dense route, names its layers, leaks no tensors`, async () => {
      assert.equal(sparseKernelsBlocker(), null);
      const before = tf.memory().numTensors;
      const nm = await trial(n, m, 3);
      const afterOne = tf.memory().numTensors;
      process.env.SPARSENAS_SPARSE_KERNELS = '0';
      let dense;
      try {
        dense = await trial(n, m, 3);
      } finally {
        delete process.env.SPARSENAS_SPARSE_KERNELS;
      }
      assert.deepEqual(nm.result.sparseLayers, ['dense_0', 'dense_1', 'classifier']);
      assert.deepEqual(dense.result.sparseLayers, []);
      assert.ok(Math.abs(nm.result.valAccuracy - dense.result.valAccuracy) <= 0.05, `val acc N:M ${nm.result.valAccuracy} vs dense ${dense.result.valAccuracy}`);
      assert.ok(Math.abs(nm.result.trainLoss - dense.result.trainLoss) <= 0.02 * Math.max(1, dense.result.trainLoss), `train loss ${nm.result.trainLoss} vs ${dense.result.trainLoss}`);
      // The mask is the N:M pattern of the trained weights; the network's effective weights
      // (W ⊙ M) are exactly zero off it.
      for (const k of nm.kept) {
        const expect = nmMaskValues(k.w.map(Math.abs), k.shape, n, m, 0);
        assert.deepEqual([...k.m], [...expect], `${k.name}: mask = N:M of W`);
      }
      assert.equal(afterOne, before, 'tensors after one trial');
      for (let i = 0; i < 3; i++) await trial(n, m, 10 + i);
      assert.equal(tf.memory().numTensors, before, 'tensors after more trials');
    });
  }

  test('the N:M kernels\' native buffers stop growing across trials', async () => {
    await trial(2, 4, 1);
    const held = addon!.nmInfo!().bytes;
    for (let i = 0; i < 3; i++) await trial(2, 4, 20 + i);
    assert.equal(addon!.nmInfo!().bytes, held);
  });

  test('no tensor or native memory leak across 100 trials (2:4, 1:4, 2:8 in turn)', async () => {
    // Tiny trials (one 12-unit hidden layer, 2 steps) so 100 of them stay fast; every layer on the N:M kernels.
    const tiny = syntheticDataset({ shape: [16], classes: 3, train: 64, validation: 32, test: 0 }, 9);
    const small: TrainingConfig = { epochs: 1, batchSize: 32, optimizer: 'adam', learningRate: 0.01, steps: 2 };
    const patterns = [[2, 4], [1, 4], [2, 8]] as const;
    const run = async (i: number) => {
      const [n, m] = patterns[i % 3]!;
      const a = arch([{ type: 'dense', units: 12, activation: 'relu' }], { kind: 'n:m', method: 'srste', n, m });
      const net = buildNetwork(a, tiny.shape, tiny.classes, i);
      const method = createSparseMethod(a.sparsity);
      try {
        method.init(net.params, a.sparsity, createRng(i), 2);
        net.enforceStructure();
        const r = await trainNetwork({ net, method, dataset: tiny, training: small, seed: i, reporter: recorder() });
        assert.deepEqual(r.sparseLayers, ['dense_0', 'classifier'], `trial ${i}: layers on the N:M kernels`);
      } finally {
        method.dispose();
        net.dispose();
      }
    };
    for (let i = 0; i < 3; i++) await run(i); // every pattern once: scratch sized, kernels warm
    const tensors = tf.memory().numTensors;
    const bytes = addon!.nmInfo!().bytes;
    const numBytes = tf.memory().numBytes;
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 100; i++) await run(100 + i);
    assert.equal(tf.memory().numTensors, tensors, 'tensors after 100 trials');
    assert.equal(addon!.nmInfo!().bytes, bytes, 'native N:M scratch bytes after 100 trials');
    assert.equal(tf.memory().numBytes, numBytes, 'tensor bytes after 100 trials');
    // A coarse bound only: here RSS moves ~20 MiB over 100 trials with the GC alone, so it
    // catches big leaks (a trial's network or data set kept), not a lost scratch buffer per call
    // (tried: a scratch malloc per call never freed grew RSS 7 MiB and passed). The native count
    // sees the kernels' grow-only scratch (all they allocate), not a lost pointer.
    const grown = (process.memoryUsage().rss - rss) / 2 ** 20;
    assert.ok(grown < 96, `RSS grew ${grown.toFixed(1)} MiB over 100 trials`);
  });
});

test('without the addon (plain wasm), an SR-STE trial still trains on the dense route', { skip: false }, async () => {
  // Runs in whatever state the process is in: the route falls back whenever nmKernelsAvailable() or the backend says no.
  const previous = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    const a = arch([{ type: 'dense', units: 16, activation: 'relu' }], { kind: 'n:m', method: 'srste', n: 2, m: 4 });
    const data = syntheticDataset({ shape: [12], classes: 3, train: 96, validation: 32, test: 0 }, 2);
    const net = buildNetwork(a, data.shape, data.classes, 1);
    const method = createSparseMethod(a.sparsity);
    try {
      method.init(net.params, a.sparsity, createRng(1), 6);
      const r = await trainNetwork({ net, method, dataset: data, training: { epochs: 1, batchSize: 32, optimizer: 'adam', learningRate: 0.01 }, seed: 1, reporter: recorder() });
      assert.deepEqual(r.sparseLayers, []);
      assert.ok(Number.isFinite(r.trainLoss));
    } finally {
      method.dispose();
      net.dispose();
    }
  } finally {
    await tf.setBackend(previous);
  }
});
