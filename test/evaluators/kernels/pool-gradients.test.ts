import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { installKernels, uninstallKernels } from '../../../evaluators/kernels/index.js';
import { assertClose, host, runKernelOn, useWasmWithKernels, type HostTensor } from './kernel-harness.js';

type Shape4 = [number, number, number, number];

interface Case {
  readonly x: Shape4;
  readonly filter: number;
  readonly stride: number;
  readonly pad: 'same' | 'valid';
}

const cases: Case[] = [
  { x: [2, 8, 8, 3], filter: 2, stride: 2, pad: 'valid' },
  { x: [2, 9, 7, 4], filter: 2, stride: 2, pad: 'same' },
  { x: [3, 7, 7, 2], filter: 3, stride: 1, pad: 'same' },
  { x: [1, 9, 9, 5], filter: 3, stride: 2, pad: 'same' },
  { x: [2, 10, 9, 3], filter: 3, stride: 2, pad: 'valid' },
];

const label = (c: Case): string => `x ${c.x} ${c.filter}×${c.filter} stride ${c.stride} ${c.pad}`;
const outShape = (c: Case): Shape4 => tf.backend_util.computePool2DInfo(c.x, c.filter, c.stride, 1, c.pad).outShape;

/** After ReLU many window entries tie at 0: quantise so ties are common. */
function withTies(t: HostTensor): HostTensor {
  return { shape: t.shape, values: t.values.map((v) => Math.max(0, Math.round(v * 2) / 2)) };
}

/**
 * Independent reference for AvgPool's gradient: AvgPool = (ones-filter depthwise conv of x) /
 * (the same conv of ones), i.e. a sum over valid inputs divided by their count; its gradient
 * comes from tfjs-cpu's (correct, undilated) depthwise gradient kernels via tf.grad.
 */
function avgPoolGradViaConv(c: Case, dy: HostTensor): Float32Array {
  const previous = tf.getBackend();
  tf.setBackend('cpu');
  try {
    return tf.tidy(() => {
      const ones = tf.ones([c.filter, c.filter, c.x[3], 1]);
      const count = tf.depthwiseConv2d(tf.ones(c.x) as tf.Tensor4D, ones as tf.Tensor4D, c.stride, c.pad);
      const dyT = tf.tensor(dy.values, dy.shape);
      const grad = tf.grad((x: tf.Tensor) => tf.depthwiseConv2d(x as tf.Tensor4D, ones as tf.Tensor4D, c.stride, c.pad).div(count).mul(dyT).sum());
      return grad(tf.zeros(c.x)).dataSync() as Float32Array;
    });
  } finally {
    tf.setBackend(previous);
  }
}

describe('pooling gradient kernels', () => {
  before(useWasmWithKernels);
  after(() => uninstallKernels('cpu'));

  for (const [i, c] of cases.entries()) {
    it(`MaxPoolGrad on wasm matches tfjs-cpu, ties included: ${label(c)}`, () => {
      const input = withTies(host(c.x, 400 + i));
      const inputs = { dy: host(outShape(c), 410 + i), input, output: host(outShape(c), 0) };
      const attrs = { filterSize: c.filter, strides: c.stride, pad: c.pad };
      const wasm = runKernelOn('wasm', 'MaxPoolGrad', inputs, attrs);
      assertClose(wasm.values, runKernelOn('cpu', 'MaxPoolGrad', inputs, attrs).values, 'dx');
    });

    it(`AvgPoolGrad on wasm and cpu is the derivative of AvgPool: ${label(c)}`, () => {
      const inputs = { dy: host(outShape(c), 420 + i), input: host(c.x, 430 + i) };
      const attrs = { filterSize: c.filter, strides: c.stride, pad: c.pad };
      const reference = avgPoolGradViaConv(c, inputs.dy);
      assertClose(runKernelOn('wasm', 'AvgPoolGrad', inputs, attrs).values, reference, 'wasm dx');
      uninstallKernels('cpu');
      const stockCpu = runKernelOn('cpu', 'AvgPoolGrad', inputs, attrs).values;
      installKernels('cpu');
      assertClose(runKernelOn('cpu', 'AvgPoolGrad', inputs, attrs).values, reference, 'cpu dx');
      // Where no window overlaps the padding, tfjs-cpu's stock kernel is right too.
      if (c.pad === 'valid') assertClose(stockCpu, reference, 'stock cpu dx');
    });
  }

  for (const c of [cases[0]!, cases[2]!]) {
    it(`MaxPoolGrad treats NaN and −∞ like tfjs-cpu: ${label(c)}`, () => {
      const input = withTies(host(c.x, 440));
      input.values.forEach((_, k) => {
        if (k % 7 === 0) input.values[k] = NaN;
        else if (k % 5 === 0) input.values[k] = -Infinity;
      });
      const inputs = { dy: host(outShape(c), 441), input, output: host(outShape(c), 0) };
      const attrs = { filterSize: c.filter, strides: c.stride, pad: c.pad };
      assertClose(runKernelOn('wasm', 'MaxPoolGrad', inputs, attrs).values, runKernelOn('cpu', 'MaxPoolGrad', inputs, attrs).values, 'dx');
    });
  }

  it('AvgPoolGrad corrects tfjs-cpu at a same-padded corner', () => {
    const c: Case = { x: [1, 3, 3, 1], filter: 3, stride: 1, pad: 'same' };
    const inputs = { dy: { values: new Float32Array(9).fill(1), shape: [1, 3, 3, 1] }, input: host(c.x, 1) };
    const attrs = { filterSize: 3, strides: 1, pad: 'same' };
    // The corner input is in windows of 4, 6, 6 and 9 valid inputs: 1/4 + 2/6 + 1/9 = 25/36
    // (stock tfjs-cpu: 4 · 1/9).
    const corner = runKernelOn('wasm', 'AvgPoolGrad', inputs, attrs).values[0]!;
    assert.ok(Math.abs(corner - 25 / 36) < 1e-6, `corner gradient ${corner}, expected ${25 / 36}`);
  });
});
