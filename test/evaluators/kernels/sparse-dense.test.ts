import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installKernels } from '../../../evaluators/kernels/index.js';
import {
  compressMask, installNativeKernels, loadNativeAddon, patternOf, patternRebuilds, prefersSparse, sparseDense, sparseKernelsBlocker, type SparseActivation,
} from '../../../evaluators/kernels/native/index.js';
import { buildNetwork } from '../../../evaluators/network/build-network.js';
import { createSparseMethod } from '../../../evaluators/sparse/index.js';
import { syntheticDataset } from '../../../evaluators/synthetic-dataset.js';
import { runNativeChild } from './native-child.js';
import { trainNetwork } from '../../../evaluators/train.js';
import { createRng, type Architecture, type TrainingConfig } from '../../../search/index.js';
import { arch, recorder } from '../helpers.js';

/** Seeded uniform [0, 1): the project's mulberry32 stream started at state `seed`. */
function uniform(size: number, seed: number): Float32Array {
  const rng = createRng(seed, seed);
  return Float32Array.from({ length: size }, () => rng.next());
}

test('compressMask lists each output\'s inputs and each input\'s outputs, with empty rows and the permutation between them', () => {
  // [in 3 x out 4]; output 1 and input 2 are empty
  const m = [1, 0, 1, 0,
             0, 0, 1, 1,
             0, 0, 0, 0];
  const p = compressMask(m, 3, 4);
  assert.equal(p.nnz, 4);
  assert.equal(p.density, 4 / 12);
  assert.deepEqual([...p.optr], [0, 1, 1, 3, 4]);
  assert.deepEqual([...p.oidx], [0, 0, 1, 1]);
  assert.deepEqual([...p.iptr], [0, 2, 4, 4]);
  assert.deepEqual([...p.iidx], [0, 2, 2, 3]);
  // by-input k -> by-output position of the same (i, o)
  for (let i = 0; i < 3; i++) {
    for (let k = p.iptr[i]!; k < p.iptr[i + 1]!; k++) {
      const o = p.iidx[k]!, at = p.perm[k]!;
      assert.ok(at >= p.optr[o]! && at < p.optr[o + 1]!, `perm[${k}] in output ${o}'s row`);
      assert.equal(p.oidx[at], i);
    }
  }
  assert.equal(compressMask(new Float32Array(0), 0, 5).nnz, 0);
});

test('the crossover rule: sparse at density <= 0.25 whatever the shape (few outputs of many inputs too), dense above', () => {
  const at = (inputs: number, outputs: number, density: number) =>
    prefersSparse(compressMask(uniform(inputs * outputs, 3).map((u) => (u < density ? 1 : 0)), inputs, outputs));
  assert.equal(at(784, 300, 0.1), true);
  assert.equal(at(300, 100, 0.15), true);
  assert.equal(at(784, 300, 0.24), true, 'a 76%-sparse layer');
  assert.equal(at(1600, 10, 0.24), true);
  assert.equal(at(300, 100, 0.3), false, 'at 0.3 the two routes tie');
  assert.equal(at(784, 300, 0.5), false, 'too dense');
  assert.equal(at(784, 300, 1), false);
  assert.equal(at(1600, 10, 0.05), true, 'few outputs of many inputs: faster sparse since the transposed input is shared');
  assert.equal(at(1600, 10, 0.4), false);
  assert.equal(at(100, 10, 0.1), true, 'tiny layer');
});

const { addon } = loadNativeAddon();
const hasSparse = addon !== null && typeof addon.sparseDense === 'function';

describe('native sparse dense-layer kernels', { skip: hasSparse ? false : 'native addon without sparse kernels (node scripts/build-native.mjs)' }, () => {
  const defaultIsa = hasSparse ? addon!.sparseInfo!().isa : 'generic';
  before(async () => {
    await tf.setBackend('wasm');
    installKernels('wasm');
    installNativeKernels();
  });
  after(() => {
    addon?.selectSparseIsa?.(defaultIsa);
  });

  /** Forward and the three gradients, sparse vs the dense masked route, on one case. */
  function compare(label: string, batch: number, inputs: number, outputs: number, mask: Float32Array, activation: SparseActivation, withBias: boolean): void {
    const before = tf.memory().numTensors;
    const x = tf.tensor(uniform(batch * inputs, 1).map((v) => v * 2 - 1), [batch, inputs]);
    const w = tf.tensor(uniform(inputs * outputs, 2).map((v) => v * 2 - 1), [inputs, outputs]);
    const m = tf.tensor(mask, [inputs, outputs]);
    const b = tf.tensor(uniform(outputs, 3).map((v) => v - 0.5), [outputs]);
    const probe = tf.tensor(uniform(batch * outputs, 4).map((v) => v * 2 - 1), [batch, outputs]);
    const pattern = compressMask(mask, inputs, outputs);
    const dense = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
      let y = tf.matMul(xx as tf.Tensor2D, tf.mul(ww, m) as tf.Tensor2D) as tf.Tensor;
      if (withBias) y = tf.add(y, bb);
      return activation === 'relu' ? tf.relu(y) : y;
    };
    const sparse = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => sparseDense(xx as tf.Tensor2D, ww, pattern, withBias ? bb : undefined, activation);
    const loss = (f: typeof dense) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(xx, ww, bb), probe));
    const [want, got] = [dense, sparse].map((f) => tf.tidy(() => {
      const y = f(x, w, b);
      const g = withBias ? tf.grads(loss(f))([x, w, b]) : tf.grads((xx: tf.Tensor, ww: tf.Tensor) => loss(f)(xx, ww, b))([x, w]);
      return [y, ...g].map((t) => t.dataSync().slice() as Float32Array);
    }));
    const names = ['y', 'dx', 'dw', 'db'];
    for (let t = 0; t < 4; t++) {
      if (t === 3 && !withBias) continue;
      const e = want![t]!, a = got![t]!;
      assert.equal(a.length, e.length, `${label} ${names[t]} size`);
      let worst = 0, scale = 1e-6;
      for (let i = 0; i < e.length; i++) { worst = Math.max(worst, Math.abs(a[i]! - e[i]!)); scale = Math.max(scale, Math.abs(e[i]!)); }
      assert.ok(worst <= 1e-5 * scale + 1e-6, `${label} ${names[t]}: max |sparse - dense| = ${worst} (scale ${scale})`);
    }
    // The weight gradient is exactly zero off the mask (pruned weights stay pruned).
    got![2]!.forEach((g, i) => { if (mask[i] === 0) assert.equal(g, 0, `${label} dw[${i}] off the mask`); });
    tf.dispose([x, w, m, b, probe]);
    assert.equal(tf.memory().numTensors, before, `${label}: tensors leaked`);
  }

  const randomMask = (n: number, density: number, seed: number) => uniform(n, seed).map((u) => (u < density ? 1 : 0));

  for (const isa of ['avx512', 'avx2', 'generic']) {
    test(`equal to the dense masked layer on random shapes and densities (${isa})`, (t) => {
      if (!addon!.selectSparseIsa!(isa)) { t.skip(`${isa} not supported here`); return; }
      let seed = 10;
      for (const [batch, inputs, outputs] of [[1, 1, 1], [7, 13, 5], [128, 96, 40], [33, 50, 70], [130, 20, 9]] as const) {
        for (const density of [1, 0.5, 0.1, 0.02]) {
          for (const activation of ['relu', 'linear'] as const) {
            compare(`${isa} ${batch}x${inputs}->${outputs} d=${density} ${activation}`, batch, inputs, outputs, randomMask(inputs * outputs, density, seed++), activation, seed % 2 === 0);
          }
        }
      }
      addon!.selectSparseIsa!(defaultIsa);
    });
  }

  test('avx512 gives the bits of avx2 for y, dx and db (its 16 x 16 transposes move values; the rows sum in the same order)', (t) => {
    if (!addon!.selectSparseIsa!('avx512')) { t.skip('avx512 not supported here'); return; }
    // Shapes on both sides of the 16 x 16 blocks: full blocks, 8-wide and scalar edges in both dimensions.
    for (const [batch, inputs, outputs, density] of [[128, 96, 40, 0.3], [130, 50, 70, 0.1], [23, 33, 17, 0.5], [16, 16, 16, 1]] as const) {
      const before = tf.memory().numTensors;
      const mask = randomMask(inputs * outputs, density, batch + inputs);
      const pattern = compressMask(mask, inputs, outputs);
      const x = tf.tensor(uniform(batch * inputs, 5).map((v) => v * 2 - 1), [batch, inputs]);
      const w = tf.tensor(uniform(inputs * outputs, 6).map((v) => v * 2 - 1), [inputs, outputs]);
      const b = tf.tensor(uniform(outputs, 7).map((v) => v - 0.5), [outputs]);
      const probe = tf.tensor(uniform(batch * outputs, 8).map((v) => v * 2 - 1), [batch, outputs]);
      const run = (isa: string) => {
        assert.ok(addon!.selectSparseIsa!(isa));
        return tf.tidy(() => {
          const f = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(sparseDense(xx as tf.Tensor2D, ww, pattern, bb, 'relu'), probe));
          const [dx, , db] = tf.grads(f)([x, w, b]);
          return [sparseDense(x as tf.Tensor2D, w, pattern, b, 'relu'), dx!, db!].map((v) => v.dataSync().slice() as Float32Array);
        });
      };
      const [wide, narrow] = [run('avx512'), run('avx2')];
      ['y', 'dx', 'db'].forEach((name, i) => assert.deepEqual(wide[i], narrow[i], `${batch}x${inputs}->${outputs} ${name}`));
      addon!.selectSparseIsa!(defaultIsa);
      tf.dispose([x, w, b, probe]);
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    }
  });

  test('a layer above the serial threshold (8 M multiply-adds) runs on the pool and gives the bits of one thread, forward and gradients', () => {
    // batch 128, 512 -> 384 at density 0.5: 12.6 M multiply-adds per product, so the pool splits
    // it (the MLP's own layers are below the threshold and run serial); each output is one
    // thread's sum in a fixed order, so 1 and 8 threads must agree exactly.
    const body = `
      const { createHash } = await import('node:crypto');
      const [batch, inputs, outputs] = [128, 512, 384];
      const mask = rnd(inputs * outputs).map((u) => (u < 0 ? 1 : 0));
      const pattern = m.compressMask(mask, inputs, outputs);
      const x = tf.tensor(rnd(batch * inputs), [batch, inputs]), w = tf.tensor(rnd(inputs * outputs), [inputs, outputs]);
      const b = tf.tensor(rnd(outputs)), probe = tf.tensor(rnd(batch * outputs), [batch, outputs]);
      const f = (xx, ww, bb) => tf.sum(tf.mul(m.sparseDense(xx, ww, pattern, bb, 'relu'), probe));
      const h = createHash('sha256');
      for (const t of [m.sparseDense(x, w, pattern, b, 'relu'), ...tf.grads(f)([x, w, b])]) h.update(Buffer.from(t.dataSync().buffer));
      console.log(JSON.stringify({ hash: h.digest('hex'), threads: m.loadNativeAddon().addon.info().threads, nnz: pattern.nnz }));
    `;
    const one = runNativeChild<{ hash: string; threads: number; nnz: number }>(body, { threads: 1, seed: 5, timeoutMs: 120_000 });
    const eight = runNativeChild<{ hash: string; threads: number; nnz: number }>(body, { threads: 8, seed: 5, timeoutMs: 120_000 });
    assert.deepEqual([one.threads, eight.threads], [1, 8]);
    assert.ok(one.nnz * 128 > 8 * 1024 * 1024, `${one.nnz} non-zeros x 128 rows must be above the serial threshold`);
    assert.equal(eight.hash, one.hash, '1 and 8 threads give different bits');
  });

  test('edge patterns: an empty layer, empty rows and columns, a single non-zero, fully dense', () => {
    const [batch, inputs, outputs] = [19, 12, 8];
    const n = inputs * outputs;
    const empty = new Float32Array(n);
    const one = new Float32Array(n); one[5 * outputs + 3] = 1;
    const rows = randomMask(n, 0.6, 99);
    for (let o = 0; o < outputs; o += 3) for (let i = 0; i < inputs; i++) rows[i * outputs + o] = 0; // empty outputs
    for (let i = 0; i < inputs; i += 4) for (let o = 0; o < outputs; o++) rows[i * outputs + o] = 0; // empty inputs
    for (const [label, mask] of [['empty', empty], ['one non-zero', one], ['empty rows', rows], ['dense', new Float32Array(n).fill(1)]] as const) {
      compare(label, batch, inputs, outputs, mask, 'relu', true);
      compare(`${label} linear`, batch, inputs, outputs, mask, 'linear', false);
    }
  });

  test('the weight gradient reuses the forward\'s transposed input and the input gradient\'s transposed dy only when they are this call\'s: a layer applied twice, gradients of w alone', () => {
    const [batch, inputs, outputs] = [20, 17, 11];
    const mask = randomMask(inputs * outputs, 0.4, 5);
    const pattern = compressMask(mask, inputs, outputs);
    const m = tf.tensor(mask, [inputs, outputs]);
    const x1 = tf.tensor(uniform(batch * inputs, 6).map((v) => v - 0.5), [batch, inputs]);
    const x2 = tf.tensor(uniform(batch * inputs, 7).map((v) => v - 0.5), [batch, inputs]);
    const w = tf.tensor(uniform(inputs * outputs, 8).map((v) => v - 0.5), [inputs, outputs]);
    const b = tf.tensor(uniform(outputs, 9), [outputs]);
    const twice = (layer: (x: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.Tensor) => (ww: tf.Tensor, bb: tf.Tensor) =>
      tf.add(tf.sum(tf.square(layer(x1, ww, bb))), tf.sum(tf.mul(layer(x2, ww, bb), 3)));
    const dense = (x: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, tf.mul(ww, m) as tf.Tensor2D), bb));
    const sparse = (x: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => sparseDense(x as tf.Tensor2D, ww, pattern, bb, 'relu');
    const [want, got] = [dense, sparse].map((f) => tf.tidy(() => tf.grads(twice(f))([w, b]).map((g) => g.dataSync().slice())));
    for (let t = 0; t < 2; t++) {
      want![t]!.forEach((e, i) => assert.ok(Math.abs(got![t]![i]! - e) <= 1e-4 * (1 + Math.abs(e)), `${t ? 'db' : 'dw'}[${i}]: ${got![t]![i]} vs ${e}`));
    }
    tf.dispose([m, x1, x2, w, b]);
  });

  test('a malformed pattern is refused by the addon, naming the problem', () => {
    const x = tf.zeros([2, 3]), w = tf.zeros([3, 2]);
    const bad = { ...compressMask([1, 0, 0, 1, 1, 1], 3, 2) };
    const oidx = bad.oidx.slice(); oidx[0] = 7;
    assert.throws(() => sparseDense(x as tf.Tensor2D, w, { ...bad, oidx }, undefined, 'linear'), /index lies outside the layer/);
    const negative = bad.iidx.slice(); negative[negative.length - 1] = -1;
    assert.throws(() => sparseDense(x as tf.Tensor2D, w, { ...bad, iidx: negative }, undefined, 'linear'), /index lies outside the layer/);
    const optr = bad.optr.slice(); optr[1] = optr[2]! + 1;
    assert.throws(() => sparseDense(x as tf.Tensor2D, w, { ...bad, optr }, undefined, 'linear'), /row pointers must not decrease/);
    const perm = bad.perm.slice(); perm[1] = perm.length;
    assert.throws(() => sparseDense(x as tf.Tensor2D, w, { ...bad, perm }, undefined, 'linear'), /permutation entry lies outside/);
    tf.dispose([x, w]);
  });

  const data = syntheticDataset({ shape: [20], classes: 4, train: 320, validation: 96, test: 0 }, 5);
  const TRAIN: TrainingConfig = { epochs: 2, batchSize: 32, optimizer: 'adam', learningRate: 0.01 };

  async function trial(a: Architecture, seed: number, training = TRAIN) {
    const net = buildNetwork(a, data.shape, data.classes, seed);
    const method = createSparseMethod(a.sparsity);
    try {
      method.init(net.params, a.sparsity, createRng(seed), 20);
      net.enforceStructure();
      const result = await trainNetwork({ net, method, dataset: data, training, seed, reporter: recorder() });
      const values = net.params.map((p) => ({ name: p.name, w: p.weight.dataSync().slice(), m: p.mask.dataSync().slice() }));
      return { result, values, method };
    } finally {
      method.dispose();
      net.dispose();
    }
  }

  const sparseMlp = (method: 'static' | 'rigl' | 'gmp' = 'static') =>
    arch([{ type: 'dense', units: 48, activation: 'relu' }, { type: 'dense', units: 24, activation: 'tanh' }], { level: 0.9, method, init: 'random' });

  test('a seeded sparse trial on the sparse kernels matches the dense route: same accuracy within noise, pruned weights exactly zero, the layers named', async () => {
    assert.equal(sparseKernelsBlocker(), null);
    const a = sparseMlp();
    const rebuildsBefore = patternRebuilds();
    const sparse = await trial(a, 4);
    const rebuilds = patternRebuilds() - rebuildsBefore;
    process.env.SPARSENAS_SPARSE_KERNELS = '0';
    let dense;
    try {
      dense = await trial(a, 4);
    } finally {
      delete process.env.SPARSENAS_SPARSE_KERNELS;
    }
    // Every layer is 90% sparse (uniform distribution), below the crossover: all run sparse.
    assert.deepEqual(sparse.result.sparseLayers, ['dense_0', 'dense_1', 'classifier']);
    assert.deepEqual(dense.result.sparseLayers, []);
    assert.ok(Math.abs(sparse.result.valAccuracy - dense.result.valAccuracy) <= 0.05, `val acc sparse ${sparse.result.valAccuracy} vs dense ${dense.result.valAccuracy}`);
    assert.ok(Math.abs(sparse.result.trainLoss - dense.result.trainLoss) <= 0.02 * Math.max(1, dense.result.trainLoss), `train loss ${sparse.result.trainLoss} vs ${dense.result.trainLoss}`);
    for (const v of sparse.values) v.m.forEach((m, j) => { if (m === 0) assert.ok(v.w[j] === 0, `${v.name}[${j}] = ${v.w[j]} under a zero mask`); });
    // A static mask is compressed once per layer (3) for the whole run, not once per step.
    assert.equal(rebuilds, 3, 'patterns compressed');
  });

  test('RigL gets its dense gradient at the grow steps (the trial trains and moves its masks) and runs sparse otherwise', async () => {
    const a: Architecture = { ...sparseMlp('rigl'), sparsity: { ...sparseMlp('rigl').sparsity, updateEvery: 3 } };
    const { result, values } = await trial(a, 6);
    assert.deepEqual(result.sparseLayers, ['dense_0', 'dense_1', 'classifier']);
    assert.ok(result.valAccuracy > 0.4, `val acc ${result.valAccuracy}`);
    for (const v of values) v.m.forEach((m, j) => { if (m === 0) assert.ok(v.w[j] === 0, `${v.name}[${j}] = ${v.w[j]} under a zero mask`); });
    // patternOf follows the mask: a RigL update gives the mask new data and a new pattern.
    const mask = tf.variable(tf.tensor([1, 0, 0, 1], [2, 2]), false);
    const p1 = patternOf(mask);
    assert.equal(patternOf(mask), p1, 'cached while the mask is unchanged');
    mask.assign(tf.tensor([1, 1, 0, 1], [2, 2]));
    assert.equal(patternOf(mask).nnz, 3, 'rebuilt after the mask changed');
    mask.dispose();
  });

  test('no tensor or native memory leak across 100 trials', async () => {
    const a = arch([{ type: 'dense', units: 32, activation: 'relu' }], { level: 0.9, init: 'random' });
    const small: TrainingConfig = { epochs: 1, batchSize: 32, optimizer: 'adam', learningRate: 0.01, steps: 2 };
    await trial(a, 1, small);
    const tensors = tf.memory().numTensors;
    const bytes = addon!.sparseInfo!().bytes;
    for (let i = 0; i < 100; i++) await trial(a, 100 + i, small);
    assert.equal(tf.memory().numTensors, tensors, 'tensors after 100 trials');
    assert.equal(addon!.sparseInfo!().bytes, bytes, 'native sparse buffers after 100 trials');
  });
});

test('wasm without the addon trains a sparse MLP on the dense route and names no sparse layer', () => {
  const trainModule = fileURLToPath(new URL('../../../evaluators/train.js', import.meta.url));
  const helpers = fileURLToPath(new URL('../helpers.js', import.meta.url));
  const script = `
    const tf = await import('@tensorflow/tfjs'); await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
    const { installNativeKernels } = await import(${JSON.stringify(fileURLToPath(new URL('../../../evaluators/kernels/native/index.js', import.meta.url)))});
    installNativeKernels();
    const { buildNetwork } = await import(${JSON.stringify(fileURLToPath(new URL('../../../evaluators/network/build-network.js', import.meta.url)))});
    const { createSparseMethod } = await import(${JSON.stringify(fileURLToPath(new URL('../../../evaluators/sparse/index.js', import.meta.url)))});
    const { syntheticDataset } = await import(${JSON.stringify(fileURLToPath(new URL('../../../evaluators/synthetic-dataset.js', import.meta.url)))});
    const { createRng } = await import(${JSON.stringify(fileURLToPath(new URL('../../../search/index.js', import.meta.url)))});
    const { trainNetwork } = await import(${JSON.stringify(trainModule)});
    const { arch, recorder } = await import(${JSON.stringify(helpers)});
    const a = arch([{ type: 'dense', units: 32, activation: 'relu' }], { level: 0.9, init: 'random' });
    const data = syntheticDataset({ shape: [20], classes: 4, train: 320, validation: 96, test: 0 }, 5);
    const net = buildNetwork(a, data.shape, data.classes, 1);
    const method = createSparseMethod(a.sparsity);
    method.init(net.params, a.sparsity, createRng(1), 20);
    const r = await trainNetwork({ net, method, dataset: data, training: { epochs: 2, batchSize: 32, optimizer: 'adam', learningRate: 0.01 }, seed: 1, reporter: recorder() });
    console.log(JSON.stringify({ acc: r.valAccuracy, sparse: r.sparseLayers }));`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, SPARSENAS_NATIVE: '0' }, cwd: fileURLToPath(new URL('../../../', import.meta.url)) });
  assert.equal(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout.trim().split('\n').pop()!) as { acc: number; sparse: string[] };
  assert.deepEqual(out.sparse, []);
  assert.ok(out.acc > 0.4, `val acc ${out.acc}`);
});
