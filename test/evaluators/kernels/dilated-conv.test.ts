import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { dilatedConv2d, dilatedDepthwiseConv2d } from '../../../evaluators/kernels/index.js';
import { bruteFilterGrad, bruteInputGrad, type ConvGeometry } from './brute-force.js';
import { assertClose, host, useWasmWithKernels } from './kernel-harness.js';

type Shape4 = [number, number, number, number];

interface Case {
  readonly x: Shape4;
  readonly filter: Shape4;
  readonly dilation: number;
  readonly stride: number;
  readonly pad: 'same' | 'valid';
  readonly depthwise: boolean;
}

const cases: Case[] = [
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], dilation: 2, stride: 1, pad: 'same', depthwise: false },
  { x: [1, 11, 10, 2], filter: [3, 3, 2, 3], dilation: 3, stride: 1, pad: 'valid', depthwise: false },
  { x: [2, 10, 10, 2], filter: [3, 3, 2, 2], dilation: 2, stride: 2, pad: 'same', depthwise: false },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 1], dilation: 2, stride: 1, pad: 'same', depthwise: true },
  { x: [2, 12, 12, 2], filter: [5, 5, 2, 2], dilation: 2, stride: 1, pad: 'same', depthwise: true },
  { x: [1, 11, 11, 3], filter: [3, 3, 3, 1], dilation: 2, stride: 2, pad: 'valid', depthwise: true },
];

const label = (c: Case): string =>
  `${c.depthwise ? 'depthwise ' : ''}x ${c.x} filter ${c.filter} dilation ${c.dilation} stride ${c.stride} ${c.pad}`;

function geometry(c: Case): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, c.dilation, c.pad, undefined, c.depthwise);
  return {
    xShape: c.x, filterShape: c.filter, outShape: info.outShape, depthwise: c.depthwise,
    strides: [c.stride, c.stride], dilations: [c.dilation, c.dilation],
    pad: { top: info.padInfo.top, left: info.padInfo.left },
  };
}

const op = (c: Case) => (x: tf.Tensor, f: tf.Tensor): tf.Tensor4D =>
  (c.depthwise ? dilatedDepthwiseConv2d : dilatedConv2d)(x as tf.Tensor4D, f as tf.Tensor4D, c.dilation, c.stride, c.pad);

describe('dilated convolutions with gradients', () => {
  before(useWasmWithKernels);

  for (const [i, c] of cases.entries()) {
    for (const backend of ['wasm', 'cpu']) {
      it(`${backend}: value and both gradients match the definition: ${label(c)}`, async () => {
        await tf.setBackend(backend);
        try {
          const g = geometry(c);
          const xs = host(c.x, 500 + i);
          const fs = host(c.filter, 510 + i);
          const dys = host(g.outShape, 520 + i);
          const before = tf.memory().numTensors;
          const [value, dx, df] = tf.tidy(() => {
            const x = tf.tensor(xs.values, xs.shape);
            const f = tf.tensor(fs.values, fs.shape);
            const dy = tf.tensor(dys.values, dys.shape);
            const [gx, gf] = tf.grads((a: tf.Tensor, b: tf.Tensor) => op(c)(a, b).mul(dy).sum())([x, f]);
            return [op(c)(x, f).dataSync(), gx!.dataSync(), gf!.dataSync()];
          });
          assert.equal(tf.memory().numTensors, before, 'leaked tensors');
          assertClose(dx!, bruteInputGrad(g, fs.values, dys.values), 'dx');
          assertClose(df!, bruteFilterGrad(g, xs.values, dys.values), 'dfilter');
          if (c.stride === 1) {
            // tfjs's own dilated forward (no gradient) is the reference for the value.
            const native = tf.tidy(() => {
              const x = tf.tensor4d(xs.values, c.x);
              const f = tf.tensor4d(fs.values, c.filter);
              return (c.depthwise ? tf.depthwiseConv2d(x, f, 1, c.pad, 'NHWC', c.dilation) : tf.conv2d(x, f, 1, c.pad, 'NHWC', c.dilation)).dataSync();
            });
            assertClose(value!, native, 'value');
          }
        } finally {
          await tf.setBackend('wasm');
        }
      });
    }
  }

  it('rejects a non-integer dilation with a message naming it', () => {
    assert.throws(() => tf.tidy(() => dilatedConv2d(tf.zeros([1, 5, 5, 1]), tf.zeros([3, 3, 1, 1]), 1.5)), /dilation must be positive integers, got 1.5/);
  });
});
