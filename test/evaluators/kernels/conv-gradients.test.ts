import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { bruteFilterGrad, bruteInputGrad, type ConvGeometry } from './brute-force.js';
import { assertClose, host, runKernelOn, useWasmWithKernels } from './kernel-harness.js';

type Shape4 = [number, number, number, number];

interface Case {
  readonly x: Shape4;
  /** [kh, kw, inC, outC] (conv) or [kh, kw, inC, multiplier] (depthwise). */
  readonly filter: Shape4;
  readonly stride: number;
  readonly pad: 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
  readonly dilation: number;
}

const convCases: Case[] = [
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 5], stride: 1, pad: 'same', dilation: 1 },
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 5], stride: 2, pad: 'same', dilation: 1 },
  { x: [3, 7, 7, 2], filter: [3, 3, 2, 4], stride: 1, pad: 'valid', dilation: 1 },
  { x: [1, 10, 9, 4], filter: [3, 2, 4, 3], stride: 2, pad: 'valid', dilation: 1 },
  { x: [2, 8, 8, 1], filter: [5, 5, 1, 6], stride: 2, pad: 'same', dilation: 1 },
  { x: [2, 6, 6, 4], filter: [1, 1, 4, 8], stride: 2, pad: 'valid', dilation: 1 },
  { x: [2, 7, 6, 3], filter: [3, 3, 3, 2], stride: 1, pad: [[0, 0], [2, 0], [1, 3], [0, 0]], dilation: 1 },
];

const depthwiseCases: Case[] = [
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 1], stride: 1, pad: 'same', dilation: 1 },
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 2], stride: 2, pad: 'same', dilation: 1 },
  { x: [3, 7, 7, 4], filter: [5, 5, 4, 1], stride: 1, pad: 'valid', dilation: 1 },
  { x: [1, 10, 9, 2], filter: [3, 3, 2, 3], stride: 2, pad: 'valid', dilation: 1 },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 1], stride: 1, pad: 'same', dilation: 2 },
  { x: [2, 12, 11, 2], filter: [5, 5, 2, 2], stride: 1, pad: 'same', dilation: 2 },
  { x: [1, 11, 10, 3], filter: [3, 3, 3, 1], stride: 1, pad: 'valid', dilation: 3 },
];

function geometry(c: Case, depthwise: boolean): ConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, c.dilation, c.pad, undefined, depthwise);
  return {
    xShape: c.x, filterShape: c.filter, outShape: info.outShape, depthwise,
    strides: [info.strideHeight, info.strideWidth], dilations: [info.dilationHeight, info.dilationWidth],
    pad: { top: info.padInfo.top, left: info.padInfo.left },
  };
}

const label = (c: Case): string => `x ${c.x} filter ${c.filter} stride ${c.stride} pad ${JSON.stringify(c.pad)} dilation ${c.dilation}`;

describe('convolution gradient kernels on wasm', () => {
  before(useWasmWithKernels);

  for (const [i, c] of convCases.entries()) {
    it(`Conv2DBackpropFilter matches tfjs-cpu: ${label(c)}`, () => {
      const g = geometry(c, false);
      const inputs = { x: host(c.x, 10 + i), dy: host(g.outShape, 20 + i) };
      const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter };
      const wasm = runKernelOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);
      assertClose(wasm.values, runKernelOn('cpu', 'Conv2DBackpropFilter', inputs, attrs).values, 'dW vs cpu');
      assertClose(wasm.values, bruteFilterGrad(g, inputs.x.values, inputs.dy.values), 'dW vs definition');
    });

    it(`Conv2DBackpropInput matches tfjs-cpu: ${label(c)}`, () => {
      const g = geometry(c, false);
      const inputs = { dy: host(g.outShape, 30 + i), filter: host(c.filter, 40 + i) };
      const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
      const wasm = runKernelOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
      assertClose(wasm.values, runKernelOn('cpu', 'Conv2DBackpropInput', inputs, attrs).values, 'dx vs cpu');
      assertClose(wasm.values, bruteInputGrad(g, inputs.filter.values, inputs.dy.values), 'dx vs definition');
    });
  }

  for (const [i, c] of depthwiseCases.entries()) {
    // tfjs-cpu's depthwise gradients ignore dilation, so dilated cases use the definition only.
    const cpuIsReference = c.dilation === 1;

    it(`DepthwiseConv2dNativeBackpropFilter: ${label(c)}`, () => {
      const g = geometry(c, true);
      const inputs = { x: host(c.x, 50 + i), dy: host(g.outShape, 60 + i) };
      const attrs = { strides: c.stride, pad: c.pad, dilations: c.dilation, filterShape: c.filter };
      const wasm = runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', inputs, attrs);
      if (cpuIsReference) assertClose(wasm.values, runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', inputs, attrs).values, 'dW vs cpu');
      assertClose(wasm.values, bruteFilterGrad(g, inputs.x.values, inputs.dy.values), 'dW vs definition');
    });

    it(`DepthwiseConv2dNativeBackpropInput: ${label(c)}`, () => {
      const g = geometry(c, true);
      const inputs = { dy: host(g.outShape, 70 + i), filter: host(c.filter, 80 + i) };
      const attrs = { strides: c.stride, pad: c.pad, dilations: c.dilation, inputShape: c.x };
      const wasm = runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropInput', inputs, attrs);
      if (cpuIsReference) assertClose(wasm.values, runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropInput', inputs, attrs).values, 'dx vs cpu');
      assertClose(wasm.values, bruteInputGrad(g, inputs.filter.values, inputs.dy.values), 'dx vs definition');
    });
  }
});
