import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { dilatedDepthwiseConv2d } from '../../../evaluators/kernels/index.js';
import { assertClose, randomValues, useWasmWithKernels } from './kernel-harness.js';

/** Weights of a small CNN touching every replaced kernel, as host arrays (seeded). */
const shapes: Record<string, number[]> = {
  conv: [3, 3, 2, 6],
  convBias: [6],
  depthwise: [3, 3, 6, 1],
  sepDepthwise: [3, 3, 6, 2],
  sepPointwise: [1, 1, 12, 8],
  dilated: [3, 3, 8, 1],
  dense: [2 * 2 * 8, 5],
};
const input = { shape: [3, 16, 16, 2], seed: 900 };
const labels = [0, 3, 4];

/**
 * conv 3×3 (fused bias + ReLU) → maxpool 2×2 same → depthwise 3×3 stride 2 → separable
 * (depthwise ×2, 1×1) → dilated depthwise 3×3 d2 → avgpool 2×2 valid → dense → softmax CE.
 * Average pooling is 'valid' here: stock tfjs-cpu's AvgPoolGrad is wrong at padded borders.
 */
function loss(w: Record<string, tf.Tensor>, x: tf.Tensor4D, y: tf.Tensor): tf.Scalar {
  let h = tf.fused.conv2d({ x, filter: w['conv'] as tf.Tensor4D, strides: 1, pad: 'same', bias: w['convBias'], activation: 'relu' });
  h = tf.maxPool(h, 2, 2, 'same');
  h = tf.relu(tf.depthwiseConv2d(h, w['depthwise'] as tf.Tensor4D, 2, 'same'));
  h = tf.separableConv2d(h, w['sepDepthwise'] as tf.Tensor4D, w['sepPointwise'] as tf.Tensor4D, 1, 'same');
  h = tf.relu(dilatedDepthwiseConv2d(tf.relu(h), w['dilated'] as tf.Tensor4D, 2));
  h = tf.avgPool(h, 2, 2, 'valid');
  const logits = tf.matMul(tf.reshape(h, [h.shape[0], -1]), w['dense'] as tf.Tensor2D);
  return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
}

function gradientsOn(backendName: string): { loss: number; grads: Record<string, Float32Array> } {
  tf.setBackend(backendName);
  const before = tf.memory().numTensors;
  const names = Object.keys(shapes);
  const result = tf.tidy(() => {
    const weights = names.map((name, i) => tf.tensor(randomValues(shapes[name]!, 1000 + i), shapes[name]!).mul(0.5));
    const x = tf.tensor4d(randomValues(input.shape, input.seed), input.shape as [number, number, number, number]);
    const y = tf.oneHot(labels, 5);
    const f = (...ws: tf.Tensor[]): tf.Scalar => loss(Object.fromEntries(names.map((n, i) => [n, ws[i]!])), x, y);
    const { value, grads } = tf.valueAndGrads(f)(weights);
    return { loss: value.dataSync()[0]!, grads: Object.fromEntries(names.map((n, i) => [n, grads[i]!.dataSync() as Float32Array])) };
  });
  assert.equal(tf.memory().numTensors, before, `gradient computation leaked tensors on ${backendName}`);
  return result;
}

describe('a small CNN on wasm with the kernels installed', () => {
  before(useWasmWithKernels);

  it('has the same loss and gradients as on tfjs-cpu', () => {
    const wasm = gradientsOn('wasm');
    const cpu = gradientsOn('cpu');
    assertClose([wasm.loss], [cpu.loss], 'loss');
    for (const name of Object.keys(shapes)) {
      assert.ok(cpu.grads[name]!.some((v) => v !== 0), `${name}: reference gradient is all zeros, the test would prove nothing`);
      assertClose(wasm.grads[name]!, cpu.grads[name]!, `∂loss/∂${name}`);
    }
  });

  it('trains with Adam without leaking tensors', () => {
    tf.setBackend('wasm');
    const names = Object.keys(shapes);
    const vars = Object.fromEntries(names.map((n, i) => [n, tf.variable(tf.tensor(randomValues(shapes[n]!, 1000 + i), shapes[n]!).mul(0.5))]));
    const x = tf.tensor4d(randomValues(input.shape, input.seed), input.shape as [number, number, number, number]);
    const y = tf.oneHot(labels, 5);
    const optimizer = tf.train.adam(0.01);
    const step = (): number => tf.tidy(() => optimizer.minimize(() => loss(vars, x, y), true)!.dataSync()[0]!);
    const first = step();
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 5; i++) last = step();
    assert.equal(tf.memory().numTensors, before, 'training steps leaked tensors');
    assert.ok(last < first, `loss did not fall: ${first} → ${last}`);
    optimizer.dispose();
    tf.dispose([x, y, ...Object.values(vars)]);
  });
});
