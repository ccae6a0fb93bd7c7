import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { dilatedDepthwise } from '../../../evaluators/kernels/dilated-depthwise.js';
import { dilateFilter } from '../../../evaluators/kernels/dilated-conv.js';
import { assertClose, host, useWasmWithKernels } from './kernel-harness.js';

type Shape4 = [number, number, number, number];

// Even and odd sizes (either axis), 3×3 and 5×5, stride 1 and 2, a depth multiplier, and the
// geometries that fall back to the explicit filter (dilation 3, 'valid', an even kernel).
const cases: { x: Shape4; filter: Shape4; stride: number; dilation: number; pad: 'same' | 'valid' }[] = [
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 1], stride: 1, dilation: 2, pad: 'same' },
  { x: [2, 7, 6, 3], filter: [5, 5, 3, 1], stride: 1, dilation: 2, pad: 'same' },
  { x: [1, 5, 9, 2], filter: [3, 5, 2, 2], stride: 1, dilation: 2, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [5, 5, 3, 1], stride: 2, dilation: 2, pad: 'same' },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 1], stride: 2, dilation: 2, pad: 'same' },
  { x: [1, 6, 7, 2], filter: [5, 5, 2, 2], stride: 2, dilation: 2, pad: 'same' },
  { x: [1, 1, 1, 2], filter: [3, 3, 2, 1], stride: 1, dilation: 2, pad: 'same' },
  { x: [1, 9, 9, 2], filter: [3, 3, 2, 1], stride: 1, dilation: 3, pad: 'same' },
  { x: [1, 9, 9, 2], filter: [3, 3, 2, 1], stride: 1, dilation: 2, pad: 'valid' },
  { x: [1, 8, 8, 2], filter: [2, 2, 2, 1], stride: 1, dilation: 2, pad: 'same' },
];

describe('dilated depthwise convolution on pixel phases', () => {
  before(useWasmWithKernels);
  for (const [i, c] of cases.entries()) {
    for (const backend of ['wasm', 'cpu']) {
      it(`${backend}: value and both gradients equal the explicitly dilated filter's: x ${c.x} filter ${c.filter} stride ${c.stride} dilation ${c.dilation} ${c.pad}`, async () => {
        await tf.setBackend(backend);
        try {
          const xs = host(c.x, 700 + i), fs = host(c.filter, 710 + i);
          const before = tf.memory().numTensors;
          const run = (f: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D) => tf.tidy(() => {
            const x = tf.tensor4d(xs.values, c.x), w = tf.tensor4d(fs.values, c.filter);
            const y = f(x, w);
            const dy = tf.tensor(host(y.shape, 720 + i).values, y.shape);
            const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a as tf.Tensor4D, b as tf.Tensor4D).mul(dy).sum())([x, w]);
            return { shape: y.shape, y: y.dataSync(), gx: gx!.dataSync(), gw: gw!.dataSync() };
          });
          const fast = run((x, w) => dilatedDepthwise(x, w, c.stride, c.dilation, c.pad));
          const ref = run((x, w) => tf.depthwiseConv2d(x, dilateFilter(w, c.dilation), c.stride, c.pad));
          assert.equal(tf.memory().numTensors, before, 'leaked tensors');
          assert.deepEqual(fast.shape, ref.shape);
          assertClose(fast.y, ref.y, 'value');
          assertClose(fast.gx, ref.gx, 'dx');
          assertClose(fast.gw, ref.gw, 'dfilter');
        } finally {
          await tf.setBackend('wasm');
        }
      });
    }
  }
});
