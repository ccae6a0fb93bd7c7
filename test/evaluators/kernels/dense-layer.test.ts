import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installKernels } from '../../../evaluators/kernels/index.js';
import { installNativeKernels, loadNativeAddon, NATIVE_DENSE, nativeDense, uninstallNativeKernels } from '../../../evaluators/kernels/native/index.js';
import { denseForward } from '../../../evaluators/network/layers/dense.js';
import { buildNetwork } from '../../../evaluators/network/build-network.js';
import { createSparseMethod } from '../../../evaluators/sparse/index.js';
import { syntheticDataset } from '../../../evaluators/synthetic-dataset.js';
import { trainNetwork } from '../../../evaluators/train.js';
import { createRng, type Activation } from '../../../search/index.js';
import { arch, recorder } from '../helpers.js';
import { fusedVsComposed } from './fused-trial.js';

/** Seeded values in [-1, 1): the project's mulberry32 stream started at state `seed`. */
function signed(size: number, seed: number): Float32Array {
  const rng = createRng(seed, seed);
  return Float32Array.from({ length: size }, () => rng.next() * 2 - 1);
}

const { addon } = loadNativeAddon();
const hasDense = addon !== null && typeof addon.denseGradZ === 'function';

/** The tfjs composition the native kernel replaces: matMul, add, activation. */
function composed(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined, activation: Activation): tf.Tensor {
  const bias = Object.assign((y: tf.Tensor) => (b ? tf.add(y, b) : y), b ? { tensor: () => b } : {});
  const z = bias(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D));
  return activation === 'relu' ? tf.relu(z) : activation === 'tanh' ? tf.tanh(z) : z;
}

describe('native fused dense layer', { skip: hasDense ? false : 'native addon without denseGradZ (node scripts/build-native.mjs)' }, () => {
  before(async () => {
    await tf.setBackend('wasm');
    installKernels('wasm');
    installNativeKernels();
  });

  /** Forward and the gradients of x, w, b (or only w, b: a first layer), native vs composed. */
  function compare(label: string, batch: number, inputs: number, outputs: number, activation: Activation, withBias: boolean, wrtX: boolean): void {
    const before = tf.memory().numTensors;
    const x = tf.tensor(signed(batch * inputs, 1), [batch, inputs]);
    const w = tf.tensor(signed(inputs * outputs, 2), [inputs, outputs]);
    const b = tf.tensor(signed(outputs, 3), [outputs]);
    const probe = tf.tensor(signed(batch * outputs, 4), [batch, outputs]);
    const native = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) => {
      const add = Object.assign((y: tf.Tensor) => (bb ? tf.add(y, bb) : y), bb ? { tensor: () => bb } : {});
      return denseForward(xx, ww, add, activation);
    };
    const plain = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) => composed(xx, ww, bb, activation);
    const run = (f: typeof native) => tf.tidy(() => {
      const loss = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) => tf.sum(tf.mul(f(xx, ww, bb), probe));
      const y = f(x, w, withBias ? b : undefined);
      const wrt = [...(wrtX ? [x] : []), w, ...(withBias ? [b] : [])];
      const g = tf.grads((...ts: tf.Tensor[]) => {
        const [xx, ww, bb] = wrtX ? ts : [x, ...ts];
        return loss(xx!, ww!, bb);
      })(wrt);
      return [y, ...g].map((t) => t.dataSync().slice() as Float32Array);
    });
    const got = run(native);
    const want = run(plain);
    const names = ['y', ...(wrtX ? ['dx'] : []), 'dw', ...(withBias ? ['db'] : [])];
    assert.equal(got.length, names.length);
    for (let t = 0; t < names.length; t++) {
      const e = want[t]!, a = got[t]!;
      assert.equal(a.length, e.length, `${label} ${names[t]} size`);
      let worst = 0, scale = 1e-6;
      for (let i = 0; i < e.length; i++) { worst = Math.max(worst, Math.abs(a[i]! - e[i]!)); scale = Math.max(scale, Math.abs(e[i]!)); }
      assert.ok(worst <= 1e-5 * scale + 1e-6, `${label} ${names[t]}: max |native - composed| = ${worst} (scale ${scale})`);
    }
    tf.dispose([x, w, b, probe]);
    assert.equal(tf.memory().numTensors, before, `${label}: tensors leaked`);
  }

  test('equal to matMul + add + activation, forward and every gradient, on random shapes', () => {
    for (const [batch, inputs, outputs] of [[1, 1, 1], [7, 13, 5], [128, 100, 10], [33, 50, 70], [130, 20, 9], [128, 784, 300]] as const) {
      for (const activation of ['relu', 'linear', 'tanh'] as const) {
        for (const withBias of [true, false]) {
          for (const wrtX of [true, false]) compare(`${batch}x${inputs}->${outputs} ${activation}${withBias ? ' +b' : ''}${wrtX ? '' : ' (w, b only)'}`, batch, inputs, outputs, activation, withBias, wrtX);
        }
      }
    }
  });

  test('one kernel forward, and the ReLU gate is the output\'s sign: dy passes where y > 0 only', () => {
    const x = tf.tensor2d([[1, -1], [0, 2]]);
    const w = tf.tensor2d([[1, 0, -1], [0, 1, 1]]);
    const b = tf.tensor1d([0, 0.5, -0.5]);
    const profiled = tf.tidy(() => {
      const before = tf.engine().state.numTensors;
      const y = nativeDense(x, w, () => b, 'relu')!;
      assert.ok(tf.engine().state.numTensors - before === 1, 'one output tensor');
      return y.arraySync();
    });
    // z = [[1, -0.5, -2.5], [0, 2.5, 1.5]]
    assert.deepEqual(profiled, [[1, 0, 0], [0, 2.5, 1.5]]);
    const [dx, dw, db] = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(nativeDense(xx, ww, () => bb, 'relu')!))([x, w, b]);
    // dz = [[1, 0, 0], [0, 1, 1]] (z = 0 at [1][0] is gated like tf.relu's step)
    assert.deepEqual(db!.arraySync(), [1, 1, 1]);
    assert.deepEqual(dx!.arraySync(), [[1, 0], [-1, 2]]);
    assert.deepEqual(dw!.arraySync(), [[1, 0, 0], [-1, 2, 2]]);
    tf.dispose([x, w, b, dx!, dw!, db!]);
  });

  test('a dense MLP trains on it: same result as the composition for the same seed, fewer kernels per step, no leaks', async () => {
    const a = arch([{ type: 'dense', units: 48, activation: 'relu' }, { type: 'dense', units: 24, activation: 'tanh' }], { level: 0, init: 'random' });
    const data = syntheticDataset({ shape: [20], classes: 4, train: 320, validation: 96, test: 0 }, 5);
    const { fused, plain } = await fusedVsComposed(a, data, () => tf.tensor(signed(32 * 20, 9), [32, 20]), 32);
    assert.equal(fused.kernels.filter((k) => k === NATIVE_DENSE).length, 3, `three dense layers on the native kernel: ${fused.kernels.join(' ')}`);
    assert.equal(plain.kernels.filter((k) => k === NATIVE_DENSE).length, 0);
    assert.ok(fused.kernels.length < plain.kernels.length, `kernels per step ${fused.kernels.length} vs ${plain.kernels.length}`);
    assert.ok(Math.abs(fused.r.trainLoss - plain.r.trainLoss) <= 1e-4 * Math.max(1, plain.r.trainLoss), `train loss ${fused.r.trainLoss} vs ${plain.r.trainLoss}`);
    assert.ok(Math.abs(fused.r.valAccuracy - plain.r.valAccuracy) <= 0.02, `val acc ${fused.r.valAccuracy} vs ${plain.r.valAccuracy}`);
  });

  test('no tensor leak across 50 short trials on the native dense layer and loss', async () => {
    const a = arch([{ type: 'dense', units: 32, activation: 'relu' }], { level: 0, init: 'random' });
    const data = syntheticDataset({ shape: [20], classes: 4, train: 64, validation: 32, test: 0 }, 6);
    const trial = async (seed: number) => {
      const net = buildNetwork(a, data.shape, data.classes, seed);
      const method = createSparseMethod(a.sparsity);
      method.init(net.params, a.sparsity, createRng(seed), 2);
      await trainNetwork({ net, method, dataset: data, training: { epochs: 1, batchSize: 32, optimizer: 'adam', learningRate: 0.01, steps: 2 }, seed, reporter: recorder() });
      net.dispose();
    };
    await trial(1);
    const tensors = tf.memory().numTensors;
    const bytes = tf.memory().numBytes;
    for (let i = 0; i < 50; i++) await trial(2 + i);
    assert.equal(tf.memory().numTensors, tensors, 'tensors after 50 trials');
    assert.equal(tf.memory().numBytes, bytes, 'tensor bytes after 50 trials');
  });

  test('falls back to the composition: uninstalled, another backend, an activation it does not fuse', async () => {
    const x = tf.tensor(signed(4 * 3, 5), [4, 3]);
    const w = tf.tensor(signed(3 * 2, 6), [3, 2]);
    assert.equal(nativeDense(x, w, undefined, 'tanh'), null);
    uninstallNativeKernels();
    try {
      assert.equal(nativeDense(x, w, undefined, 'relu'), null, 'native kernels uninstalled');
    } finally {
      installNativeKernels();
    }
    tf.dispose([x, w]);
    await tf.setBackend('cpu');
    try {
      const xc = tf.tensor(signed(4 * 3, 5), [4, 3]);
      const wc = tf.tensor(signed(3 * 2, 6), [3, 2]);
      let made = false;
      assert.equal(nativeDense(xc, wc, () => { made = true; return tf.zeros([2]); }, 'relu'), null, 'cpu backend');
      assert.equal(made, false, 'no bias tensor made for a kernel that does not run');
      const y = denseForward(xc, wc, Object.assign((t: tf.Tensor) => t, {}), 'relu');
      assert.deepEqual(y.shape, [4, 2]);
      tf.dispose([xc, wc, y]);
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
