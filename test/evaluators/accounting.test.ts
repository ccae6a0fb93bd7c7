import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng, type Architecture } from '../../search/index.js';
import { countNetwork } from '../../evaluators/accounting.js';
import { buildNetwork } from '../../evaluators/network/build-network.js';
import { createSparseMethod } from '../../evaluators/sparse/index.js';
import { countArchitecture } from '../../spaces/flops.js';
import { arch, useBackend } from './helpers.js';

await useBackend('wasm');

function count(a: Architecture, inputShape: number[], classes: number) {
  const before = tf.memory().numTensors;
  const net = buildNetwork(a, inputShape, classes, 1);
  const method = createSparseMethod(a.sparsity);
  method.init(net.params, a.sparsity, createRng(2), 1);
  const c = countNetwork(net);
  method.dispose();
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
  const by = Object.fromEntries(c.layers.map((l) => [l.name, l]));
  return { ...c, by };
}

test('MLP: params, non-zeros and FLOPs match a hand count', () => {
  // [2,3,1] flattened → 6 → dense 5 relu → dense 4 linear no bias → classifier 3; 50% sparse, classifier dense.
  const a = arch([{ type: 'dense', units: 5, activation: 'relu' }, { type: 'dense', units: 4, useBias: false }], { level: 0.5, keepLastDense: true });
  const c = count(a, [2, 3, 1], 3);
  assert.deepEqual(c.layers.map((l) => l.name), ['dense_0', 'dense_1', 'classifier']);
  // 2 FLOPs per multiply-add of the kernels: 2·30, 2·20, 2·12.
  assert.deepEqual(c.by['dense_0'], { name: 'dense_0', type: 'dense', params: 35, nonZeros: 20, sparsity: 0.5, denseFlops: 60, sparseFlops: 30 });
  assert.deepEqual(c.by['dense_1'], { name: 'dense_1', type: 'dense', params: 20, nonZeros: 10, sparsity: 0.5, denseFlops: 40, sparseFlops: 20 });
  assert.deepEqual(c.by['classifier'], { name: 'classifier', type: 'dense', params: 15, nonZeros: 15, sparsity: 0, denseFlops: 24, sparseFlops: 24 });
  assert.equal(c.params, 70);
  assert.equal(c.nonZeros, 45);
  assert.equal(c.sparsity, 1 - 45 / 70);
  assert.equal(c.weightSparsity, 1 - 37 / 62);
  assert.equal(c.denseFlops, 124);
  assert.equal(c.sparseFlops, 74);
  // 5 bias + 5 relu, no bias, 3 bias.
  assert.equal(c.nonWeightFlops, 13);
  assert.equal(c.denseTrainingFlops, 3 * (124 + 13));
  assert.equal(c.sparseTrainingFlops, 3 * (74 + 13));
});

test('CNN with stride, padding, BN and pooling matches a hand count', () => {
  const a = arch([
    { type: 'conv2d', filters: 4, kernel: 3, stride: 2, padding: 'same', activation: 'relu' }, // 8×8×3 → 4×4×4
    { type: 'batchNorm' },
    { type: 'conv2d', filters: 6, kernel: 3, padding: 'valid' }, // → 2×2×6
    { type: 'maxPool', size: 2 }, // → 1×1×6
  ], { level: 0.5 }, 'image');
  const c = count(a, [8, 8, 3], 3);
  assert.deepEqual(c.layers.map((l) => l.name), ['conv_0', 'bn_1', 'conv_2', 'classifier']);
  // conv_0: 108 weights at 16 output positions.
  assert.deepEqual(c.by['conv_0'], { name: 'conv_0', type: 'conv2d', params: 112, nonZeros: 58, sparsity: 0.5, denseFlops: 2 * 108 * 16, sparseFlops: 2 * 54 * 16 });
  assert.deepEqual(c.by['bn_1'], { name: 'bn_1', type: 'batchNorm', params: 8, nonZeros: 8, sparsity: 0, denseFlops: 0, sparseFlops: 0 });
  // conv_2: 216 weights at 4 positions.
  assert.equal(c.by['conv_2']!.denseFlops, 1728);
  assert.equal(c.by['conv_2']!.sparseFlops, 864);
  // classifier (sparse too: keepLastDense is off): 18 weights, 9 kept, + 3 bias.
  assert.deepEqual(c.by['classifier'], { name: 'classifier', type: 'dense', params: 21, nonZeros: 12, sparsity: 0.5, denseFlops: 36, sparseFlops: 18 });
  assert.equal(c.params, 112 + 8 + 222 + 21);
  assert.equal(c.denseFlops, 3456 + 1728 + 36);
  // conv_0 64 bias + 64 relu, BN 2·64, conv_2 24 bias, max pool 2²·6, classifier 3 bias.
  assert.equal(c.nonWeightFlops, 128 + 128 + 24 + 24 + 3);
});

test('separable convolution counts its depthwise and pointwise parts', () => {
  const a = arch([{ type: 'separableConv2d', filters: 3, kernel: 3, activation: 'relu' }, { type: 'globalAvgPool' }], {}, 'image');
  const c = count(a, [5, 5, 2], 2);
  assert.deepEqual(c.layers.map((l) => l.name), ['sep_0.depthwise', 'sep_0.pointwise', 'classifier']);
  // depthwise 3·3·2 weights at 25 positions; pointwise 2·3 weights at 25 positions, plus the bias.
  assert.deepEqual(c.by['sep_0.depthwise'], { name: 'sep_0.depthwise', type: 'separableConv2d', params: 18, nonZeros: 18, sparsity: 0, denseFlops: 900, sparseFlops: 900 });
  assert.deepEqual(c.by['sep_0.pointwise'], { name: 'sep_0.pointwise', type: 'separableConv2d', params: 9, nonZeros: 9, sparsity: 0, denseFlops: 300, sparseFlops: 300 });
  assert.equal(c.by['classifier']!.denseFlops, 12);
  assert.equal(c.params, 35);
  assert.equal(c.denseFlops, 1212);
  // 75 bias + 75 relu, global pool 75, classifier 2 bias.
  assert.equal(c.nonWeightFlops, 227);
});

test('sum of parallel branches and depthwise with multiplier', () => {
  const a = arch([
    { type: 'sum', activation: 'relu', branches: [[{ type: 'dense', units: 4 }], [{ type: 'dense', units: 4 }], []] },
  ], {}, 'flat');
  const c = count(a, [4], 2);
  assert.deepEqual(c.layers.map((l) => l.name), ['sum_0.b0.dense_0', 'sum_0.b1.dense_0', 'classifier']);
  // Two biases of 4, two adds and a relu per element, classifier bias 2.
  assert.equal(c.nonWeightFlops, 8 + 12 + 2);
  const d = count(arch([{ type: 'depthwiseConv2d', kernel: 3, depthMultiplier: 2, stride: 2, padding: 'valid' }], {}, 'image'), [7, 7, 3], 2);
  // 7×7 valid 3×3 stride 2 → 3×3 positions; kernel 3·3·3·2 = 54, bias 6.
  assert.deepEqual(d.by['dwconv_0'], { name: 'dwconv_0', type: 'depthwiseConv2d', params: 60, nonZeros: 60, sparsity: 0, denseFlops: 54 * 9 * 2, sparseFlops: 54 * 9 * 2 });
});

test('measured counts agree with the analytic counts of spaces/flops.ts', () => {
  const a = arch([
    { type: 'conv2d', filters: 4, kernel: 3, stride: 2 }, { type: 'batchNorm' }, { type: 'activation', activation: 'relu' },
    { type: 'separableConv2d', filters: 6, kernel: 3, dilation: 2 }, { type: 'depthwiseConv2d', kernel: 3 }, { type: 'maxPool', size: 2 },
    { type: 'sum', branches: [[{ type: 'conv2d', filters: 6, kernel: 1 }], [{ type: 'conv2d', filters: 6, kernel: 3 }]] },
    { type: 'flatten' }, { type: 'dense', units: 10 },
  ], { level: 0.5 }, 'image');
  const measured = count(a, [12, 12, 2], 4);
  const analytic = countArchitecture(a, [12, 12, 2], 4);
  assert.equal(measured.params, analytic.params);
  assert.equal(measured.denseFlops, analytic.denseFlops);
  assert.equal(measured.sparseFlops, analytic.sparseFlops);
  assert.equal(measured.nonZeros, analytic.nonZeros);
});

test('under magnitude init a node mask counts towards the sparsity level (removed weights are pruned first)', () => {
  // dense_0 keeps 4 of 8 units: half its kernel is removed, which is exactly the 50% level.
  const a = arch([{ type: 'dense', units: 8, activation: 'relu', keepNodes: [0, 2, 4, 6] }, { type: 'dense', units: 6 }], { level: 0.5, init: 'magnitude', keepLastDense: true });
  const c = count(a, [5], 2);
  assert.equal(c.by['dense_0']!.sparsity, 0.5);
  assert.equal(c.by['dense_0']!.nonZeros, 20 + 4, 'kept columns whole, and the kept biases');
  // dense_1: its removed input rows (24 of 48 weights) are exactly its 50%.
  assert.equal(c.by['dense_1']!.sparsity, 0.5);
});
