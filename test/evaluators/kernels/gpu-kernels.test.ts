import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { avgPoolGradKernel, scaledAvgPoolGradKernel } from '../../../evaluators/kernels/avg-pool-grad.js';
import { chunkedAddNKernel } from '../../../evaluators/kernels/chunked-add-n.js';

/*
 * The two kernels registered for webgpu, checked here on the cpu backend (whose stock kernels
 * they compose the same way); the Mesa test runs them on webgpu itself.
 */
await tf.setBackend('cpu');

const run = (f: tf.KernelFunc, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}, backend: object = tf.backend()) =>
  tf.engine().makeTensorFromTensorInfo(f({ inputs, attrs, backend }) as tf.TensorInfo);

test('AddN in groups within the storage-buffer limit equals one AddN, and frees its partial sums', async () => {
  const xs = Array.from({ length: 23 }, (_, i) => tf.fill([5], i + 1));
  const before = tf.memory().numTensors;
  // A device allowing 4 storage buffers: groups of 3 inputs (plus the output).
  const limited = { ...tf.backend(), device: { limits: { maxStorageBuffersPerShaderStage: 4 } } };
  Object.setPrototypeOf(limited, Object.getPrototypeOf(tf.backend()));
  const out = run(chunkedAddNKernel('cpu'), xs as unknown as tf.NamedTensorInfoMap, {}, limited);
  assert.deepEqual(Array.from(await out.data()), Array(5).fill((23 * 24) / 2));
  out.dispose();
  assert.equal(tf.memory().numTensors, before, 'partial sums freed');
  tf.dispose(xs);
});

test('AvgPoolGrad from the stock kernel with dy scaled by full/valid window equals the exact derivative at padded borders', async () => {
  const input = tf.tensor4d(Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => Math.sin(i)), [2, 5, 5, 3]);
  for (const [size, stride] of [[3, 2], [2, 1], [3, 1]] as const) {
    const dy = tf.tidy(() => tf.randomNormal(tf.avgPool(input, size, stride, 'same').shape, 0, 1, 'float32', size * 10 + stride));
    const attrs = { filterSize: size, strides: stride, pad: 'same' };
    const exact = run(avgPoolGradKernel('cpu'), { dy, input }, attrs);
    const scaled = run(scaledAvgPoolGradKernel('cpu'), { dy, input }, attrs);
    const [a, b] = await Promise.all([exact.data(), scaled.data()]);
    const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    assert.ok(worst < 1e-6, `size ${size} stride ${stride}: max |Δ| ${worst}`);
    tf.dispose([dy, exact, scaled]);
  }
  input.dispose();
});
