import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installKernels } from '../../../evaluators/kernels/index.js';
import { dilateFilter } from '../../../evaluators/kernels/dilated-conv.js';
import {
  compressConvMask, installNativeKernels, loadNativeAddon, sparseConv2d, type SparseActivation, type SparseConvGeometry,
} from '../../../evaluators/kernels/native/index.js';
import { createRng } from '../../../search/index.js';

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
});
