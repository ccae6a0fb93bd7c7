import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng, type Architecture } from '../../search/index.js';
import { countNetwork } from '../../evaluators/accounting.js';
import { buildNetwork } from '../../evaluators/network/build-network.js';
import { StaticMaskMethod } from '../../evaluators/sparse/static-mask.js';
import { arch, useBackend } from './helpers.js';

await useBackend('wasm');

function count(a: Architecture, inputShape: number[], classes: number) {
  const before = tf.memory().numTensors;
  const net = buildNetwork(a, inputShape, classes, 1);
  const method = new StaticMaskMethod();
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
  // dense_0: 2·30 MACs + 5 bias + 5 relu; dense_1: 2·20; classifier: 2·12 + 3 bias.
  assert.deepEqual(c.by['dense_0'], { name: 'dense_0', type: 'dense', params: 35, nonZeros: 20, sparsity: 0.5, denseFlops: 70, sparseFlops: 40 });
  assert.deepEqual(c.by['dense_1'], { name: 'dense_1', type: 'dense', params: 20, nonZeros: 10, sparsity: 0.5, denseFlops: 40, sparseFlops: 20 });
  assert.deepEqual(c.by['classifier'], { name: 'classifier', type: 'dense', params: 15, nonZeros: 15, sparsity: 0, denseFlops: 27, sparseFlops: 27 });
  assert.equal(c.params, 70);
  assert.equal(c.nonZeros, 45);
  assert.equal(c.sparsity, 1 - 45 / 70);
  assert.equal(c.weightSparsity, 1 - 37 / 62);
  assert.equal(c.denseFlops, 137);
  assert.equal(c.sparseFlops, 87);
  assert.equal(c.denseTrainingFlops, 3 * 137);
  assert.equal(c.sparseTrainingFlops, 3 * 87);
});

test('CNN with stride, padding, BN and pooling matches a hand count', () => {
  const a = arch([
    { type: 'conv2d', filters: 4, kernel: 3, stride: 2, padding: 'same', activation: 'relu' }, // 8×8×3 → 4×4×4
    { type: 'batchNorm' },
    { type: 'conv2d', filters: 6, kernel: 3, padding: 'valid' }, // → 2×2×6
    { type: 'maxPool', size: 2 }, // → 1×1×6
  ], { level: 0.5 }, 'image');
  const c = count(a, [8, 8, 3], 3);
  assert.deepEqual(c.layers.map((l) => l.name), ['conv_0', 'bn_1', 'conv_2', 'maxpool_3', 'classifier']);
  // conv_0: 108 weights × 16 positions × 2 + 64 bias + 64 relu.
  assert.deepEqual(c.by['conv_0'], { name: 'conv_0', type: 'conv2d', params: 112, nonZeros: 58, sparsity: 0.5, denseFlops: 3584, sparseFlops: 54 * 32 + 128 });
  assert.deepEqual(c.by['bn_1'], { name: 'bn_1', type: 'batchNorm', params: 8, nonZeros: 8, sparsity: 0, denseFlops: 128, sparseFlops: 128 });
  // conv_2: 216 weights × 4 positions × 2 + 24 bias.
  assert.equal(c.by['conv_2']!.denseFlops, 1752);
  assert.equal(c.by['conv_2']!.sparseFlops, 108 * 8 + 24);
  assert.equal(c.by['maxpool_3']!.denseFlops, 24);
  // classifier (sparse too: keepLastDense is off): 18 weights, 9 kept, + 3 bias.
  assert.deepEqual(c.by['classifier'], { name: 'classifier', type: 'dense', params: 21, nonZeros: 12, sparsity: 0.5, denseFlops: 39, sparseFlops: 21 });
  assert.equal(c.params, 112 + 8 + 222 + 21);
  assert.equal(c.denseFlops, 3584 + 128 + 1752 + 24 + 39);
});

test('separable convolution counts its depthwise and pointwise parts', () => {
  const a = arch([{ type: 'separableConv2d', filters: 3, kernel: 3, activation: 'relu' }, { type: 'globalAvgPool' }], {}, 'image');
  const c = count(a, [5, 5, 2], 2);
  assert.deepEqual(c.layers.map((l) => l.name), ['sep_0.depthwise', 'sep_0.pointwise', 'gap_1', 'classifier']);
  // depthwise 3·3·2 weights at 25 positions; pointwise 2·3 weights at 25 positions + 75 bias + 75 relu.
  assert.deepEqual(c.by['sep_0.depthwise'], { name: 'sep_0.depthwise', type: 'separableConv2d', params: 18, nonZeros: 18, sparsity: 0, denseFlops: 900, sparseFlops: 900 });
  assert.deepEqual(c.by['sep_0.pointwise'], { name: 'sep_0.pointwise', type: 'separableConv2d', params: 9, nonZeros: 9, sparsity: 0, denseFlops: 450, sparseFlops: 450 });
  assert.equal(c.by['gap_1']!.denseFlops, 75);
  assert.equal(c.by['classifier']!.denseFlops, 14);
  assert.equal(c.params, 35);
  assert.equal(c.denseFlops, 1439);
});

test('sum of parallel branches and depthwise with multiplier', () => {
  const a = arch([
    { type: 'sum', activation: 'relu', branches: [[{ type: 'dense', units: 4 }], [{ type: 'dense', units: 4 }], []] },
  ], {}, 'flat');
  const c = count(a, [4], 2);
  assert.deepEqual(c.layers.map((l) => l.name), ['sum_0.b0.dense_0', 'sum_0.b1.dense_0', 'sum_0', 'classifier']);
  assert.equal(c.by['sum_0']!.denseFlops, 2 * 4 + 4, 'two adds and a relu per element');
  const d = count(arch([{ type: 'depthwiseConv2d', kernel: 3, depthMultiplier: 2, stride: 2, padding: 'valid' }], {}, 'image'), [7, 7, 3], 2);
  // 7×7 valid 3×3 stride 2 → 3×3 positions; kernel 3·3·3·2 = 54; no bias.
  assert.deepEqual(d.by['dwconv_0'], { name: 'dwconv_0', type: 'depthwiseConv2d', params: 54, nonZeros: 54, sparsity: 0, denseFlops: 54 * 9 * 2, sparseFlops: 54 * 9 * 2 });
});
