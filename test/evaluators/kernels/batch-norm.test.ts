import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installKernels } from '../../../evaluators/kernels/index.js';
import { BATCH_NORM, BATCH_NORM_GRAD, disableNativeBatchNorm, installNativeKernels, loadNativeAddon, nativeBatchNormRuns } from '../../../evaluators/kernels/native/index.js';
import { batchNormTraining } from '../../../evaluators/network/layers/batch-norm.js';
import { createRng } from '../../../search/index.js';
import { runNativeChild } from './native-child.js';

/** Seeded values in [0, 1): the project's mulberry32 stream started at state `seed`. */
function uniform(size: number, seed: number): Float32Array {
  const rng = createRng(seed, seed);
  return Float32Array.from({ length: size }, () => rng.next());
}

const { addon } = loadNativeAddon();
const has = addon !== null && typeof addon.batchNorm === 'function';

/** y, batch mean, batch variance and the gradients (x, then γ and β) of Σ r·y² through batchNormTraining. */
function run(x: tf.Tensor, gamma: tf.Tensor | undefined, beta: tf.Tensor | undefined, r: tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const kept: tf.Tensor[] = [];
    const f = (...t: tf.Tensor[]) => {
      const o = batchNormTraining(t[0]!, t[1], t[2]);
      kept.push(o.batchMean, o.batchVariance);
      return tf.sum(tf.mul(r, tf.square(o.y))) as tf.Scalar;
    };
    const grads = tf.grads(f)(gamma && beta ? [x, gamma, beta] : [x]);
    tf.dispose(kept);
    const o = batchNormTraining(x, gamma, beta);
    const out = [o.y, o.batchMean, o.batchVariance, ...grads].map((t) => t.dataSync().slice() as Float32Array);
    tf.dispose([o.batchMean, o.batchVariance]); // kept by batchNormTraining for the caller
    return out;
  });
}

describe('native batch norm (training)', { skip: has ? false : 'native addon without batchNorm (node scripts/build-native.mjs)' }, () => {
  before(async () => {
    await tf.setBackend('wasm');
    installKernels('wasm');
    installNativeKernels();
  });

  test('equal to the tfjs composition: y, batch statistics, ∂x, ∂γ, ∂β; affine or not; one row, constant channels, many blocks, the thread pool', () => {
    const shapes: number[][] = [[1, 1], [1, 4], [7, 3], [130, 33], [2, 5, 5, 32], [8, 28, 28, 32], [3, 17, 17, 5]];
    let seed = 1;
    for (const shape of shapes) {
      for (const affine of [true, false]) {
        const label = `[${shape}] ${affine ? 'affine' : 'plain'}`;
        const before = tf.memory().numTensors;
        const c = shape[shape.length - 1]!;
        const size = shape.reduce((a, b) => a * b, 1);
        // Channels with an offset and scale of their own; the last one constant (variance 0).
        const u = uniform(size, seed++).map((v, i) => (i % c === c - 1 && c > 1 ? 0.25 : (v * 2 - 1) * (1 + (i % c)) + (i % c) * 0.5));
        const x = tf.tensor(u, shape);
        const gamma = affine ? tf.tensor1d(uniform(c, seed++).map((v) => v + 0.5)) : undefined;
        const beta = affine ? tf.tensor1d(uniform(c, seed++).map((v) => v - 0.5)) : undefined;
        const r = tf.tensor(uniform(size, seed++), shape);
        assert.ok(nativeBatchNormRuns(x), 'the native kernels run on wasm with the addon');
        const got = run(x, gamma, beta, r);
        disableNativeBatchNorm();
        const want = run(x, gamma, beta, r);
        installNativeKernels();
        ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'].slice(0, want.length).forEach((name, t) => {
          const e = want[t]!, a = got[t]!;
          assert.equal(a.length, e.length, `${label} ${name} size`);
          let worst = 0, scale = 1e-6;
          for (let i = 0; i < e.length; i++) { worst = Math.max(worst, Math.abs(a[i]! - e[i]!)); scale = Math.max(scale, Math.abs(e[i]!)); }
          assert.ok(Number.isFinite(worst) && worst <= 2e-4 * scale + 1e-5, `${label} ${name}: max |native - tfjs| = ${worst} (scale ${scale})`);
        });
        tf.dispose([x, r, ...(gamma ? [gamma, beta!] : [])]);
        assert.equal(tf.memory().numTensors, before, `${label}: tensors leaked`);
      }
    }
  });

  test('runs as two native kernels in the training step, and not at all with SPARSENAS_NATIVE_BN=0', async () => {
    const x = tf.randomNormal([4, 6, 6, 8], 0, 1, 'float32', 3), gamma = tf.ones([8]), beta = tf.zeros([8]);
    const kernelsOfStep = async () => (await tf.profile(() => {
      const [dx, dg, db] = tf.grads((t: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
        const o = batchNormTraining(t, g, b);
        tf.dispose([o.batchMean, o.batchVariance]);
        return tf.sum(tf.square(o.y)) as tf.Scalar;
      })([x, gamma, beta]);
      tf.dispose([dg!, db!]);
      return dx!;
    })).kernelNames;
    const native = await kernelsOfStep();
    assert.ok(native.includes(BATCH_NORM) && native.includes(BATCH_NORM_GRAD), `kernels: ${native.join(', ')}`);
    process.env.SPARSENAS_NATIVE_BN = '0';
    try {
      const off = await kernelsOfStep();
      assert.ok(!off.includes(BATCH_NORM) && !off.includes(BATCH_NORM_GRAD), 'SPARSENAS_NATIVE_BN=0 runs the tfjs composition');
    } finally {
      delete process.env.SPARSENAS_NATIVE_BN;
    }
    tf.dispose([x, gamma, beta]);
  });

  test('the addon refuses a malformed call, naming the problem', () => {
    const heap = new Float32Array(16);
    assert.throws(() => addon!.batchNorm!(heap, 0, 0, -1, -1, 16, 32, 40, -1, -1, 0, 2, 1e-5), /at least one row/);
    assert.throws(() => addon!.batchNorm!(heap, 0, 0, -1, -1, 16, 32, 40, -1, -1, 2, 2, 0), /eps > 0/);
    assert.throws(() => addon!.batchNorm!(heap, 0, 0, -1, -1, 16, 32, 40, -1, -1, 100, 2, 1e-5), /outside the wasm heap/);
    assert.throws(() => addon!.batchNorm!(heap, 0, 0, -1, -1, -1, 32, 40, -1, -1, 2, 2, 1e-5), /needs its input, output and statistics/);
  });
});

/**
 * The kernels' column sums run in float over fixed 128-row blocks and in double across blocks in
 * block order, never per thread: 1 and 8 pool threads (and every run of 8) give the same bits.
 */
test('native batch norm gives the same bits on 1 and 8 threads, every run', { skip: has ? false : 'native addon without batchNorm (node scripts/build-native.mjs)' }, () => {
  const body = `
    const { createHash } = await import('node:crypto');
    const x = tf.tensor(rnd(32 * 14 * 14 * 24), [32, 14, 14, 24]);
    const gamma = tf.tensor(rnd(24)), beta = tf.tensor(rnd(24)), dy = tf.tensor(rnd(32 * 14 * 14 * 24), [32, 14, 14, 24]);
    const hashes = new Set();
    for (let i = 0; i < 10; i++) {
      const [y, mean, variance] = m.nativeBatchNormForward(x, 1e-5, gamma, beta);
      const grads = m.nativeBatchNormGrad(dy, x, variance, 1e-5, mean, gamma);
      const h = createHash('sha256');
      for (const t of [y, mean, variance, ...grads]) h.update(Buffer.from(t.dataSync().buffer));
      hashes.add(h.digest('hex'));
      tf.dispose([y, mean, variance, ...grads]);
    }
    console.log(JSON.stringify({ hashes: [...hashes], threads: m.loadNativeAddon().addon.info().threads }));
  `;
  const one = runNativeChild<{ hashes: string[]; threads: number }>(body, { threads: 1, seed: 11, timeoutMs: 120_000 });
  const eight = runNativeChild<{ hashes: string[]; threads: number }>(body, { threads: 8, seed: 11, timeoutMs: 120_000 });
  assert.deepEqual([one.threads, eight.threads], [1, 8]);
  assert.equal(eight.hashes.length, 1, `10 runs on 8 threads gave ${eight.hashes.length} different results`);
  assert.equal(one.hashes.length, 1);
  assert.equal(eight.hashes[0], one.hashes[0], '1 and 8 threads give different bits');
});
