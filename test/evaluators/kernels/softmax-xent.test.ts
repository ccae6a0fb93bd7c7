import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installKernels } from '../../../evaluators/kernels/index.js';
import { installNativeKernels, loadNativeAddon, SOFTMAX_XENT, softmaxCrossEntropy, uninstallNativeKernels } from '../../../evaluators/kernels/native/index.js';
import { createRng } from '../../../search/index.js';

/** Seeded values in [0, 1): the project's mulberry32 stream started at state `seed`. */
function uniform(size: number, seed: number): Float32Array {
  const rng = createRng(seed, seed);
  return Float32Array.from({ length: size }, () => rng.next());
}

/** Rows of `uniform` normalised to sum to 1 (soft labels), or one-hot at the row's argmax. */
function labelsOf(rows: number, cols: number, seed: number, soft: boolean): tf.Tensor2D {
  const u = uniform(rows * cols, seed);
  for (let i = 0; i < rows; i++) {
    const row = u.subarray(i * cols, (i + 1) * cols);
    if (soft) {
      const s = row.reduce((a, b) => a + b, 0);
      row.forEach((v, j) => { row[j] = v / s; });
    } else {
      const k = row.indexOf(Math.max(...row));
      row.fill(0);
      row[k] = 1;
    }
  }
  return tf.tensor2d(u, [rows, cols]);
}

const { addon } = loadNativeAddon();
const has = addon !== null && typeof addon.softmaxXent === 'function';

describe('native softmax cross-entropy', { skip: has ? false : 'native addon without softmaxXent (node scripts/build-native.mjs)' }, () => {
  before(async () => {
    await tf.setBackend('wasm');
    installKernels('wasm');
    installNativeKernels();
  });

  test('equal to tf.losses.softmaxCrossEntropy, loss and both gradients, one-hot and soft labels, large logits, one class', () => {
    for (const [rows, cols, spread] of [[1, 1, 1], [1, 10, 1], [7, 3, 4], [128, 10, 10], [33, 100, 1], [16, 5, 80]] as const) {
      for (const soft of [false, true]) {
        const label = `${rows}x${cols} spread ${spread}${soft ? ' soft' : ''}`;
        const before = tf.memory().numTensors;
        const logits = tf.tensor2d(uniform(rows * cols, 3).map((v) => (v * 2 - 1) * spread), [rows, cols]);
        const labels = labelsOf(rows, cols, 4, soft);
        const run = (f: (y: tf.Tensor, z: tf.Tensor) => tf.Scalar) => tf.tidy(() => {
          // A non-unit upstream gradient, so its scaling is checked too.
          const { value, grads } = tf.valueAndGrads((y: tf.Tensor, z: tf.Tensor) => tf.mul(f(y, z), 1.7) as tf.Scalar)([labels, logits]);
          return [value, ...grads].map((t) => t.dataSync().slice() as Float32Array);
        });
        const got = run(softmaxCrossEntropy);
        const want = run((y, z) => tf.losses.softmaxCrossEntropy(y, z) as tf.Scalar);
        ['loss', 'dlabels', 'dlogits'].forEach((name, t) => {
          const e = want[t]!, a = got[t]!;
          assert.equal(a.length, e.length, `${label} ${name} size`);
          let worst = 0, scale = 1e-6;
          for (let i = 0; i < e.length; i++) { worst = Math.max(worst, Math.abs(a[i]! - e[i]!)); scale = Math.max(scale, Math.abs(e[i]!)); }
          assert.ok(worst <= 2e-5 * scale + 1e-6, `${label} ${name}: max |native - tfjs| = ${worst} (scale ${scale})`);
        });
        tf.dispose([logits, labels]);
        assert.equal(tf.memory().numTensors, before, `${label}: tensors leaked`);
      }
    }
  });

  test('one kernel forward and one backward, by hand on two rows', async () => {
    const logits = tf.tensor2d([[0, Math.log(3)], [2, 2]]);
    const labels = tf.tensor2d([[0, 1], [1, 0]]);
    // softmax rows [1/4, 3/4] and [1/2, 1/2]: loss = (ln(4/3) + ln 2) / 2
    const { kernels, result } = await tf.profile(() => tf.tidy(() => {
      const { value, grads } = tf.valueAndGrads((z: tf.Tensor) => softmaxCrossEntropy(labels, z))([logits]);
      return [value, grads[0]!];
    }));
    const [loss, grad] = result as tf.Tensor[];
    assert.ok(Math.abs(loss!.dataSync()[0]! - (Math.log(4 / 3) + Math.log(2)) / 2) < 1e-6);
    const g = grad!.dataSync();
    [0.125, -0.125, -0.25, 0.25].forEach((v, i) => assert.ok(Math.abs(g[i]! - v) < 1e-6, `grad[${i}] ${g[i]} vs ${v}`));
    const names = kernels.map((k) => k.name);
    assert.equal(names.filter((n) => n === SOFTMAX_XENT).length, 1, names.join(' '));
    assert.ok(names.length <= 4, `kernels of the loss, forward and backward: ${names.join(' ')}`);
    tf.dispose([logits, labels, loss!, grad!]);
  });

  test('falls back to tfjs\' loss: int32 labels, rank 3, uninstalled, another backend', async () => {
    const logits = tf.tensor2d([[1, 2, 3]]);
    const want = (tf.losses.softmaxCrossEntropy(tf.tensor2d([[0, 0, 1]]), logits) as tf.Scalar).dataSync()[0]!;
    const check = (labels: tf.Tensor, z: tf.Tensor, why: string) => {
      const v = softmaxCrossEntropy(labels, z);
      assert.ok(Math.abs(v.dataSync()[0]! - want) < 1e-6, why);
      tf.dispose([labels, v]);
    };
    check(tf.tensor2d([[0, 0, 1]], [1, 3], 'int32'), logits, 'int32 labels');
    check(tf.tensor3d([[[0, 0, 1]]]), tf.reshape(logits, [1, 1, 3]), 'rank 3');
    uninstallNativeKernels();
    try {
      check(tf.tensor2d([[0, 0, 1]]), logits, 'uninstalled');
    } finally {
      installNativeKernels();
    }
    logits.dispose();
    await tf.setBackend('cpu');
    try {
      const z = tf.tensor2d([[1, 2, 3]]);
      check(tf.tensor2d([[0, 0, 1]]), z, 'cpu backend');
      z.dispose();
    } finally {
      await tf.setBackend('wasm');
    }
  });
});
