import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installKernels } from '../../../evaluators/kernels/index.js';
import { installNativeKernels, loadNativeAddon, NATIVE_CONV, nativeConv2d, uninstallNativeKernels } from '../../../evaluators/kernels/native/index.js';
import { syntheticDataset } from '../../../evaluators/synthetic-dataset.js';
import { createRng } from '../../../search/index.js';
import { arch } from '../helpers.js';
import { fusedVsComposed } from './fused-trial.js';

/** Seeded values in [-1, 1): the project's mulberry32 stream started at state `seed`. */
function signed(size: number, seed: number): Float32Array {
  const rng = createRng(seed, seed);
  return Float32Array.from({ length: size }, () => rng.next() * 2 - 1);
}

const { addon } = loadNativeAddon();
const has = addon !== null && typeof addon.denseGradZ === 'function';

describe('native fused convolution layer', { skip: has ? false : 'native addon without denseGradZ (node scripts/build-native.mjs)' }, () => {
  before(async () => {
    await tf.setBackend('wasm');
    installKernels('wasm');
    installNativeKernels();
  });

  type Act = 'relu' | 'linear' | 'tanh';
  const act = (z: tf.Tensor, a: Act) => (a === 'relu' ? tf.relu(z) : a === 'tanh' ? tf.tanh(z) : z);

  test('equal to conv2d + add + activation, forward and the gradients of x, filter and bias', () => {
    const cases: [number[], number[], number, 'same' | 'valid'][] = [
      [[1, 1, 1, 1], [1, 1, 1, 1], 1, 'valid'],
      [[2, 5, 5, 3], [3, 3, 3, 4], 1, 'same'],
      [[3, 7, 6, 2], [3, 3, 2, 5], 2, 'valid'],
      [[2, 9, 9, 4], [5, 5, 4, 3], 2, 'same'],
      [[8, 28, 28, 1], [3, 3, 1, 32], 1, 'valid'], // 173k outputs: the threaded pass
    ];
    for (const [xs, fs, stride, pad] of cases) {
      for (const activation of ['relu', 'linear', 'tanh'] as const) {
        for (const withBias of [true, false]) {
          const label = `x ${xs} f ${fs} s${stride} ${pad} ${activation}${withBias ? ' +b' : ''}`;
          const before = tf.memory().numTensors;
          const x = tf.tensor(signed(tf.util.sizeFromShape(xs), 1), xs);
          const f = tf.tensor(signed(tf.util.sizeFromShape(fs), 2), fs);
          const b = tf.tensor(signed(fs[3]!, 3), [fs[3]!]);
          const run = (native: boolean) => tf.tidy(() => {
            const forward = (xx: tf.Tensor, ff: tf.Tensor, bb?: tf.Tensor): tf.Tensor => {
              if (native) {
                const fused = activation === 'relu' ? 'relu' : 'linear';
                const y = nativeConv2d(xx, ff, bb ? () => bb : undefined, fused, stride, pad)!;
                assert.ok(y, `${label}: the native kernel runs`);
                return fused === activation ? y : act(y, activation);
              }
              const z = tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, stride, pad);
              return act(bb ? tf.add(z, bb) : z, activation);
            };
            const y = forward(x, f, withBias ? b : undefined);
            const probe = tf.tensor(signed(y.size, 4), y.shape);
            const g = withBias
              ? tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(forward(xx, ff, bb), probe)))([x, f, b])
              : tf.grads((xx: tf.Tensor, ff: tf.Tensor) => tf.sum(tf.mul(forward(xx, ff), probe)))([x, f]);
            return [y, ...g].map((t) => t.dataSync().slice() as Float32Array);
          });
          const got = run(true), want = run(false);
          ['y', 'dx', 'dfilter', 'db'].slice(0, want.length).forEach((name, t) => {
            const e = want[t]!, a = got[t]!;
            assert.equal(a.length, e.length, `${label} ${name} size`);
            let worst = 0, scale = 1e-6;
            for (let i = 0; i < e.length; i++) { worst = Math.max(worst, Math.abs(a[i]! - e[i]!)); scale = Math.max(scale, Math.abs(e[i]!)); }
            assert.ok(worst <= 1e-5 * scale + 1e-6, `${label} ${name}: max |native - composed| = ${worst} (scale ${scale})`);
          });
          tf.dispose([x, f, b]);
          assert.equal(tf.memory().numTensors, before, `${label}: tensors leaked`);
        }
      }
    }
  });

  test('a CNN trains on it: same result as the composition for the same seed, fewer kernels, no leaks', async () => {
    const a = arch([{ type: 'conv2d', filters: 6, kernel: 3, activation: 'relu' }, { type: 'maxPool', size: 2 }, { type: 'conv2d', filters: 4, kernel: 3, activation: 'relu', padding: 'same' }, { type: 'flatten' }], { level: 0, init: 'random' }, 'image');
    const data = syntheticDataset({ shape: [10, 10, 1], classes: 3, train: 96, validation: 48, test: 0 }, 7);
    const { fused, plain } = await fusedVsComposed(a, data, () => tf.tensor(signed(16 * 100, 9), [16, 10, 10, 1]), 16);
    assert.equal(fused.kernels.filter((k) => k === NATIVE_CONV).length, 2, fused.kernels.join(' '));
    assert.equal(plain.kernels.filter((k) => k === NATIVE_CONV).length, 0);
    assert.ok(fused.kernels.length < plain.kernels.length, `kernels ${fused.kernels.length} vs ${plain.kernels.length}`);
    assert.ok(Math.abs(fused.r.trainLoss - plain.r.trainLoss) <= 1e-4 * Math.max(1, plain.r.trainLoss), `train loss ${fused.r.trainLoss} vs ${plain.r.trainLoss}`);
    assert.ok(Math.abs(fused.r.valAccuracy - plain.r.valAccuracy) <= 0.03, `val acc ${fused.r.valAccuracy} vs ${plain.r.valAccuracy}`);
  });

  test('falls back: uninstalled, another backend, an unfused activation, rank ≠ 4', async () => {
    const x = tf.tensor(signed(2 * 4 * 4 * 1, 5), [2, 4, 4, 1]);
    const f = tf.tensor(signed(9 * 2, 6), [3, 3, 1, 2]);
    assert.equal(nativeConv2d(x, f, undefined, 'tanh', 1, 'same'), null);
    assert.equal(nativeConv2d(tf.reshape(x, [2, 16]), f, undefined, 'relu', 1, 'same'), null);
    uninstallNativeKernels();
    try {
      assert.equal(nativeConv2d(x, f, undefined, 'relu', 1, 'same'), null);
    } finally {
      installNativeKernels();
    }
    tf.dispose([x, f]);
    await tf.setBackend('cpu');
    try {
      const xc = tf.zeros([1, 4, 4, 1]), fc = tf.zeros([3, 3, 1, 2]);
      assert.equal(nativeConv2d(xc, fc, () => { throw new Error('bias made for a kernel that does not run'); }, 'relu', 1, 'same'), null);
      tf.dispose([xc, fc]);
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
