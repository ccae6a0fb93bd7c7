import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../search/index.js';
import { createSparseMethod } from '../../../evaluators/sparse/index.js';
import { disposeParams, makeParam, spec } from './sparse-fixtures.js';

test('group pruning keeps depthwise kernels whole and prunes the plain conv beside them', async () => {
  await tf.setBackend('cpu');
  const rng = createRng(3);
  const conv = makeParam('conv', [3, 3, 4, 16], rng, 'first');
  const dw = { ...makeParam('sep.depthwise', [3, 3, 16, 1], rng), layerType: 'depthwiseConv2d' as const, outputAxis: 2 };
  const pw = makeParam('sep.pointwise', [1, 1, 16, 32], rng);
  const params = [conv, dw, pw];
  const s = spec({ kind: 'group', group: 'filter', level: 0.75 });
  const method = createSparseMethod(s);
  method.init(params, s, rng, 100);
  assert.equal(dw.targetSparsity, 0);
  assert.equal(tf.sum(dw.mask).dataSync()[0], 3 * 3 * 16, 'no depthwise channel pruned');
  // 75% of the 16 first-conv filters and of the 32 pointwise filters are pruned as whole filters.
  assert.equal(tf.sum(conv.mask).dataSync()[0], 3 * 3 * 4 * 4);
  assert.equal(tf.sum(pw.mask).dataSync()[0], 16 * 8);
  method.dispose();
  disposeParams(params);
});
