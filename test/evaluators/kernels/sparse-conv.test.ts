import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installKernels } from '../../../evaluators/kernels/index.js';
import { dilateFilter } from '../../../evaluators/kernels/dilated-conv.js';
import {
  compressConvMask, convPatternOf, convPatternRebuilds, installNativeKernels, loadNativeAddon, prefersSparseConv, sparseConv2d, sparseKernelsBlocker,
  type SparseActivation, type SparseConvGeometry,
} from '../../../evaluators/kernels/native/index.js';
import { buildNetwork } from '../../../evaluators/network/build-network.js';
import { createSparseMethod } from '../../../evaluators/sparse/index.js';
import { syntheticDataset } from '../../../evaluators/synthetic-dataset.js';
import { trainNetwork } from '../../../evaluators/train.js';
import { createRng, type Architecture, type LayerSpec, type TrainingConfig } from '../../../search/index.js';
import { arch, recorder } from '../helpers.js';

/** Seeded uniform [0, 1): the project's mulberry32 stream started at state `seed`. */
function uniform(size: number, seed: number): Float32Array {
  const rng = createRng(seed, seed);
  return Float32Array.from({ length: size }, () => rng.next());
}

const randomMask = (n: number, density: number, seed: number) => uniform(n, seed).map((u) => (u < density ? 1 : 0));

test('compressConvMask compresses an HWIO mask as [fh·fw·cin x cout] and refuses other ranks', () => {
  // fh 1, fw 2, cin 1, cout 2: k = kw; output 0 keeps k 1, output 1 keeps k 0 and 1
  const p = compressConvMask([0, 1, 1, 1], [1, 2, 1, 2]);
  assert.deepEqual(p.filterShape, [1, 2, 1, 2]);
  assert.equal(p.nnz, 3);
  assert.deepEqual([...p.optr], [0, 1, 3]);
  assert.deepEqual([...p.oidx], [1, 0, 1]);
  assert.deepEqual([...p.iptr], [0, 1, 3]);
  assert.throws(() => compressConvMask([1, 1], [2, 1]), /conv filter shape is \[fh, fw, cin, cout\]/);
});

test('the convolution crossover rule: long patches that are sparse enough for their pixel grid', () => {
  const at = (fh: number, cin: number, cout: number, h: number, density: number, g: SparseConvGeometry) =>
    prefersSparseConv(compressConvMask(randomMask(fh * fh * cin * cout, density, 3), [fh, fh, cin, cout]), [1, h, h, cin], g);
  const valid: SparseConvGeometry = { strides: [1, 1], dilations: [1, 1], pad: 'valid' };
  const same: SparseConvGeometry = { ...valid, pad: 'same' };
  assert.equal(at(3, 32, 64, 13, 0.1, valid), true, 'the reference CNN\'s second convolution at 90% sparsity');
  assert.equal(at(3, 32, 64, 13, 0.3, valid), false, 'grid share 121/169: 0.3 / 0.72 is past the crossover');
  assert.equal(at(3, 32, 64, 13, 1, valid), false);
  assert.equal(at(3, 1, 32, 28, 0.05, valid), false, 'a 9-long patch: moving activations dominates at any density');
  assert.equal(at(1, 64, 64, 8, 0.25, valid), true, '1x1 unpadded: the whole grid is output');
  assert.equal(at(3, 16, 16, 4, 0.2, same), false, 'a 4x4 image padded to 6x6: share 0.44');
});

const { addon } = loadNativeAddon();
const hasSparse = addon !== null && typeof addon.sparseConv === 'function';

describe('native sparse convolution kernels', { skip: hasSparse ? false : 'native addon without sparse convolutions (node scripts/build-native.mjs)' }, () => {
  const defaultIsa = hasSparse ? addon!.sparseConvInfo!().isa : 'generic';
  before(async () => {
    await tf.setBackend('wasm');
    installKernels('wasm');
    installNativeKernels();
  });
  after(() => {
    addon?.selectSparseConvIsa?.(defaultIsa);
  });

  interface Case {
    batch: number; h: number; w: number; cin: number; cout: number; fh: number; fw: number;
    geometry: SparseConvGeometry; activation: SparseActivation; bias: boolean;
  }

  /** Forward and the three gradients, sparse vs the dense masked convolution, on one case. */
  function compare(label: string, c: Case, mask: Float32Array, seed: number): void {
    const before = tf.memory().numTensors;
    const fshape = [c.fh, c.fw, c.cin, c.cout] as [number, number, number, number];
    const n = c.fh * c.fw * c.cin * c.cout;
    const x = tf.tensor(uniform(c.batch * c.h * c.w * c.cin, seed).map((v) => v * 2 - 1), [c.batch, c.h, c.w, c.cin]);
    const w = tf.tensor(uniform(n, seed + 1).map((v) => v * 2 - 1), fshape);
    const m = tf.tensor(mask, fshape);
    const b = tf.tensor(uniform(c.cout, seed + 2).map((v) => v - 0.5), [c.cout]);
    const pattern = compressConvMask(mask, fshape);
    const g = c.geometry;
    const dense = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
      // tfjs has no gradient for dilated conv2d: spread the filter explicitly, as the layer does
      const filter = dilateFilter(tf.mul(ww, m) as tf.Tensor4D, g.dilations);
      let y = tf.conv2d(xx as tf.Tensor4D, filter, g.strides, g.pad) as tf.Tensor;
      if (c.bias) y = tf.add(y, bb);
      return c.activation === 'relu' ? tf.relu(y) : y;
    };
    const sparse = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => sparseConv2d(xx as tf.Tensor4D, ww, pattern, c.bias ? bb : undefined, c.activation, g);
    const probeShape = tf.tidy(() => dense(x, w, b).shape);
    const probe = tf.tensor(uniform(probeShape.reduce((p, q) => p * q, 1), seed + 3).map((v) => v * 2 - 1), probeShape);
    const loss = (f: typeof dense) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(xx, ww, bb), probe));
    const [want, got] = [dense, sparse].map((f) => tf.tidy(() => {
      const y = f(x, w, b);
      const grads = c.bias ? tf.grads(loss(f))([x, w, b]) : tf.grads((xx: tf.Tensor, ww: tf.Tensor) => loss(f)(xx, ww, b))([x, w]);
      return [y, ...grads].map((t) => ({ shape: t.shape, v: t.dataSync().slice() as Float32Array }));
    }));
    const names = ['y', 'dx', 'dw', 'db'];
    for (let t = 0; t < 4; t++) {
      if (t === 3 && !c.bias) continue;
      const e = want![t]!, a = got![t]!;
      assert.deepEqual(a.shape, e.shape, `${label} ${names[t]} shape`);
      let worst = 0, scale = 1e-6;
      for (let i = 0; i < e.v.length; i++) { worst = Math.max(worst, Math.abs(a.v[i]! - e.v[i]!)); scale = Math.max(scale, Math.abs(e.v[i]!)); }
      assert.ok(worst <= 2e-5 * scale + 1e-6, `${label} ${names[t]}: max |sparse - dense| = ${worst} (scale ${scale})`);
    }
    // The filter gradient is exactly zero off the mask (pruned weights stay pruned).
    got![2]!.v.forEach((v, i) => { if (mask[i] === 0) assert.equal(v, 0, `${label} dw[${i}] off the mask`); });
    tf.dispose([x, w, m, b, probe]);
    assert.equal(tf.memory().numTensors, before, `${label}: tensors leaked`);
  }

  const isas = ['avx512', 'avx2', 'generic'];
  for (const isa of isas) {
    test(`equal to the dense masked convolution on random shapes, strides, padding, dilations and densities (${isa})`, (t) => {
      if (!addon!.selectSparseConvIsa!(isa)) { t.skip(`${isa} not supported here`); return; }
      const rng = createRng(1500 + isas.indexOf(isa), 7);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
      try {
        for (let i = 0; i < 14; i++) {
          const fh = pick([1, 2, 3, 5]), fw = pick([1, 3, 4]);
          const s = pick([1, 1, 2, 3]), dil = s === 1 ? pick([1, 1, 2]) : 1;
          const c: Case = {
            batch: pick([1, 2, 5, 9]), h: fh * dil + pick([0, 3, 8]), w: fw * dil + pick([0, 2, 7]),
            cin: pick([1, 3, 8]), cout: pick([1, 4, 16, 33]), fh, fw,
            geometry: { strides: [s, pick([1, s])], dilations: [dil, dil], pad: pick(['same', 'valid', 1] as const) },
            activation: pick(['relu', 'linear'] as const), bias: rng.next() < 0.5,
          };
          // tfjs refuses explicit/same padding with dilation and stride both > 1: none drawn here
          const density = pick([1, 0.5, 0.2, 0.05]);
          const mask = randomMask(fh * fw * c.cin * c.cout, density, 40 + i);
          compare(`${isa} #${i} ${JSON.stringify(c)} d=${density}`, c, mask, 100 + i);
        }
      } finally {
        addon!.selectSparseConvIsa!(defaultIsa);
      }
    });
  }

  test('edge patterns: an empty filter, empty output channels, a single non-zero, fully dense; batch > one chunk', () => {
    const c: Case = { batch: 37, h: 9, w: 7, cin: 4, cout: 6, fh: 3, fw: 3, geometry: { strides: [1, 1], dilations: [1, 1], pad: 'same' }, activation: 'relu', bias: true };
    const n = 3 * 3 * 4 * 6;
    const empty = new Float32Array(n);
    const one = new Float32Array(n); one[(4 * 4 + 2) * 6 + 5] = 1;
    const rows = randomMask(n, 0.6, 99);
    for (let o = 0; o < 6; o += 2) for (let k = 0; k < 36; k++) rows[k * 6 + o] = 0; // empty output channels
    for (let k = 0; k < 36; k += 5) for (let o = 0; o < 6; o++) rows[k * 6 + o] = 0; // empty taps
    for (const [label, mask] of [['empty', empty], ['one non-zero', one], ['empty channels', rows], ['dense', new Float32Array(n).fill(1)]] as const) {
      compare(label, c, mask, 7);
      compare(`${label} linear strided valid`, { ...c, activation: 'linear', bias: false, geometry: { strides: [2, 2], dilations: [1, 1], pad: 'valid' } }, mask, 8);
    }
  });

  test('the reference CNN\'s second convolution at 10% density, batch 128 (several chunks on the pool)', () => {
    const c: Case = { batch: 128, h: 13, w: 13, cin: 32, cout: 64, fh: 3, fw: 3, geometry: { strides: [1, 1], dilations: [1, 1], pad: 'valid' }, activation: 'relu', bias: true };
    compare('conv 13x13x32->64 d=0.1', c, randomMask(3 * 3 * 32 * 64, 0.1, 5), 11);
  });

  test('a malformed pattern is refused by the addon, naming the problem', () => {
    const x = tf.zeros([1, 4, 4, 2]), w = tf.zeros([3, 3, 2, 2]);
    const good = compressConvMask(new Float32Array(36).fill(1), [3, 3, 2, 2]);
    const oidx = good.oidx.slice(); oidx[0] = 18;
    assert.throws(() => sparseConv2d(x as tf.Tensor4D, w, { ...good, oidx }, undefined, 'linear', { strides: [1, 1], dilations: [1, 1], pad: 'same' }), /index lies outside the layer/);
    tf.dispose([x, w]);
  });

  test('the kernels\' buffers stop growing: same bytes after repeated calls of the same shapes', () => {
    const c: Case = { batch: 16, h: 12, w: 12, cin: 8, cout: 16, fh: 3, fw: 3, geometry: { strides: [1, 1], dilations: [1, 1], pad: 'same' }, activation: 'relu', bias: true };
    const mask = randomMask(3 * 3 * 8 * 16, 0.2, 3);
    compare('warm-up', c, mask, 1);
    const held = addon!.sparseConvInfo!().bytes;
    for (let i = 0; i < 5; i++) compare(`repeat ${i}`, c, mask, 2 + i);
    assert.equal(addon!.sparseConvInfo!().bytes, held);
  });

  const data = syntheticDataset({ shape: [12, 12, 8], classes: 4, train: 384, validation: 96, test: 0 }, 5);
  const TRAIN: TrainingConfig = { epochs: 5, batchSize: 32, optimizer: 'adam', learningRate: 0.02 };

  async function trial(a: Architecture, seed: number, training = TRAIN) {
    const net = buildNetwork(a, data.shape, data.classes, seed);
    const method = createSparseMethod(a.sparsity);
    try {
      method.init(net.params, a.sparsity, createRng(seed), 20);
      net.enforceStructure();
      const result = await trainNetwork({ net, method, dataset: data, training, seed, reporter: recorder() });
      const values = net.params.map((p) => ({ name: p.name, w: p.weight.dataSync().slice(), m: p.mask.dataSync().slice() }));
      return { result, values };
    } finally {
      method.dispose();
      net.dispose();
    }
  }

  const layers: LayerSpec[] = [
    { type: 'conv2d', filters: 16, kernel: 3, activation: 'relu' },
    { type: 'maxPool', size: 2 },
    { type: 'conv2d', filters: 16, kernel: 3, activation: 'relu' },
    { type: 'flatten' },
  ];
  const sparseCnn = (method: 'static' | 'rigl' = 'static') => arch(layers, { level: 0.9, method, init: 'random' }, 'image');

  test('a seeded sparse CNN trial on the sparse convolutions matches the dense route: same accuracy within noise, pruned weights exactly zero, the layers named', async () => {
    assert.equal(sparseKernelsBlocker(), null);
    const a = sparseCnn();
    const rebuildsBefore = convPatternRebuilds();
    const sparse = await trial(a, 4);
    const rebuilds = convPatternRebuilds() - rebuildsBefore;
    process.env.SPARSENAS_SPARSE_KERNELS = '0';
    let dense;
    try {
      dense = await trial(a, 4);
    } finally {
      delete process.env.SPARSENAS_SPARSE_KERNELS;
    }
    assert.ok(sparse.result.sparseLayers.includes('conv_0') && sparse.result.sparseLayers.includes('conv_2'), `sparse layers ${sparse.result.sparseLayers.join(', ')}`);
    assert.deepEqual(dense.result.sparseLayers, []);
    assert.ok(Math.abs(sparse.result.valAccuracy - dense.result.valAccuracy) <= 0.05, `val acc sparse ${sparse.result.valAccuracy} vs dense ${dense.result.valAccuracy}`);
    assert.ok(Math.abs(sparse.result.trainLoss - dense.result.trainLoss) <= 0.02 * Math.max(1, dense.result.trainLoss), `train loss ${sparse.result.trainLoss} vs ${dense.result.trainLoss}`);
    assert.ok(sparse.result.trainLoss < Math.log(4) - 0.05, `it learns: train loss ${sparse.result.trainLoss} (chance: ln 4)`);
    for (const v of sparse.values) v.m.forEach((m, j) => { if (m === 0) assert.ok(v.w[j] === 0, `${v.name}[${j}] = ${v.w[j]} under a zero mask`); });
    // A static mask is compressed once per conv layer (2) for the whole run, not once per step.
    assert.equal(rebuilds, 2, 'conv patterns compressed');
  });

  test('RigL on a CNN: masks move (patterns follow them), pruned weights stay zero, the convolutions run sparse', async () => {
    const base = sparseCnn('rigl');
    const a: Architecture = { ...base, sparsity: { ...base.sparsity, updateEvery: 3 } };
    const rebuildsBefore = convPatternRebuilds();
    const { result, values } = await trial(a, 6);
    assert.ok(result.sparseLayers.includes('conv_2'), `sparse layers ${result.sparseLayers.join(', ')}`);
    assert.ok(convPatternRebuilds() - rebuildsBefore > 2, 'patterns rebuilt after mask updates');
    for (const v of values) v.m.forEach((m, j) => { if (m === 0) assert.ok(v.w[j] === 0, `${v.name}[${j}] = ${v.w[j]} under a zero mask`); });
    const mask = tf.variable(tf.tensor(new Float32Array(72).fill(1), [3, 3, 8, 1]), false);
    const p1 = convPatternOf(mask);
    assert.equal(convPatternOf(mask), p1, 'cached while the mask is unchanged');
    mask.assign(tf.zeros([3, 3, 8, 1]));
    assert.equal(convPatternOf(mask).nnz, 0, 'rebuilt after the mask changed');
    mask.dispose();
  });

  test('no tensor or native memory leak across 100 CNN trials (tf.memory, the kernels\' buffers, process RSS)', async () => {
    const a = sparseCnn();
    const small: TrainingConfig = { epochs: 1, batchSize: 32, optimizer: 'adam', learningRate: 0.01, steps: 2 };
    for (let i = 0; i < 3; i++) await trial(a, 1 + i, small);
    const tensors = tf.memory().numTensors;
    const bytes = addon!.sparseConvInfo!().bytes;
    const rss = process.memoryUsage().rss;
    for (let i = 0; i < 100; i++) await trial(a, 100 + i, small);
    assert.equal(tf.memory().numTensors, tensors, 'tensors after 100 trials');
    assert.equal(addon!.sparseConvInfo!().bytes, bytes, 'native sparse convolution buffers after 100 trials');
    const grown = process.memoryUsage().rss - rss;
    assert.ok(grown < 64 * 1024 * 1024, `process RSS grew ${(grown / 1048576).toFixed(1)} MiB over 100 trials`);
  });
});

test('wasm without the addon trains a sparse CNN on the dense route and names no sparse layer', () => {
  const mod = (rel: string) => JSON.stringify(fileURLToPath(new URL(rel, import.meta.url)));
  const script = `
    const tf = await import('@tensorflow/tfjs'); await import('@tensorflow/tfjs-backend-wasm');
    await tf.setBackend('wasm');
    const { installKernels } = await import(${mod('../../../evaluators/kernels/index.js')});
    installKernels('wasm');
    const { installNativeKernels } = await import(${mod('../../../evaluators/kernels/native/index.js')});
    installNativeKernels();
    const { buildNetwork } = await import(${mod('../../../evaluators/network/build-network.js')});
    const { createSparseMethod } = await import(${mod('../../../evaluators/sparse/index.js')});
    const { syntheticDataset } = await import(${mod('../../../evaluators/synthetic-dataset.js')});
    const { createRng } = await import(${mod('../../../search/index.js')});
    const { trainNetwork } = await import(${mod('../../../evaluators/train.js')});
    const { arch, recorder } = await import(${mod('../helpers.js')});
    const a = arch([{ type: 'conv2d', filters: 16, kernel: 3, activation: 'relu' }, { type: 'flatten' }], { level: 0.9, init: 'random' }, 'image');
    const data = syntheticDataset({ shape: [12, 12, 8], classes: 4, train: 256, validation: 96, test: 0 }, 5);
    const net = buildNetwork(a, data.shape, data.classes, 1);
    const method = createSparseMethod(a.sparsity);
    method.init(net.params, a.sparsity, createRng(1), 16);
    const r = await trainNetwork({ net, method, dataset: data, training: { epochs: 2, batchSize: 32, optimizer: 'adam', learningRate: 0.01 }, seed: 1, reporter: recorder() });
    console.log(JSON.stringify({ acc: r.valAccuracy, sparse: r.sparseLayers }));`;
  const res = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, SPARSENAS_NATIVE: '0' }, cwd: fileURLToPath(new URL('../../../', import.meta.url)) });
  assert.equal(res.status, 0, res.stderr);
  const out = JSON.parse(res.stdout.trim().split('\n').pop()!) as { acc: number; sparse: string[] };
  assert.deepEqual(out.sparse, []);
  assert.ok(out.acc > 0.3, `val acc ${out.acc}`);
});
