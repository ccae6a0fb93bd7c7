import * as tf from '@tensorflow/tfjs';

import type { NativeAddon } from './native-addon.js';
import { ACTIVATION_CODES, type Inputs, isFloat32, type KernelArgs, nonEmpty, perColumn, WasmHeap } from './wasm-heap.js';

type Pad = tf.Conv2DAttrs['pad'];
type Rounding = tf.Conv2DAttrs['dimRoundingMode'];

/**
 * tfjs' own geometry (output size, SAME/explicit padding, rounding) flattened into the
 * field order of `spn_conv_shape` (native/src/conv2d.h). Null for NCHW, which goes to the
 * previous kernel.
 */
function convShape(
  xShape: number[],
  filterShape: number[],
  strides: [number, number] | number,
  dilations: [number, number] | number,
  pad: Pad,
  dimRoundingMode: Rounding,
  dataFormat: 'NHWC' | 'NCHW',
): { info: tf.backend_util.Conv2DInfo; fields: Int32Array } | null {
  if (dataFormat !== 'NHWC') return null;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const fields = Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
  ]);
  return { info, fields };
}

function forward(
  addon: NativeAddon,
  backend: object,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  bias: tf.TensorInfo | undefined,
  prelu: tf.TensorInfo | undefined,
  attrs: tf.FusedConv2DAttrs,
  activation: number,
): tf.TensorInfo | null {
  const { strides, pad, dataFormat, dilations, dimRoundingMode, leakyreluAlpha } = attrs;
  const plan = convShape(x.shape, filter.shape, strides, dilations, pad, dimRoundingMode, dataFormat);
  if (plan === null) return null;
  if (!perColumn(bias, plan.info.outChannels) || !perColumn(prelu, plan.info.outChannels)) return null;
  const mem = new WasmHeap(backend);
  const out = mem.output(plan.info.outShape);
  if (!nonEmpty(plan.info.outShape, x.shape, filter.shape)) return out;
  addon.conv2d(mem.heap, mem.offset(x), mem.offset(filter), mem.offset(bias), mem.offset(out), plan.fields, activation, leakyreluAlpha ?? 0, mem.offset(prelu));
  return out;
}

export function conv2d(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x, filter } = inputs as unknown as Inputs<'x' | 'filter'>;
  if (!isFloat32(x, filter)) return null;
  const a = attrs as unknown as tf.Conv2DAttrs;
  return forward(addon, backend, x, filter, undefined, undefined, { ...a, activation: 'linear' } as tf.FusedConv2DAttrs, 0);
}

export function fusedConv2d(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x, filter, bias, preluActivationWeights: prelu } = inputs as unknown as tf.FusedConv2DInputs;
  const a = attrs as unknown as tf.FusedConv2DAttrs;
  const code = ACTIVATION_CODES[a.activation];
  if (code === undefined || !isFloat32(x, filter, bias, prelu) || (a.activation === 'prelu') !== (prelu != null)) return null;
  return forward(addon, backend, x, filter, bias ?? undefined, prelu ?? undefined, a, code);
}

/** dW = im2col(x)^T · dy, accumulated per thread over chunks of images. */
export function conv2dBackpropFilter(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x, dy } = inputs as unknown as Inputs<'x' | 'dy'>;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (!isFloat32(x, dy)) return null;
  const plan = convShape(x.shape, filterShape, strides, 1, pad, dimRoundingMode, dataFormat);
  if (plan === null) return null;
  const mem = new WasmHeap(backend);
  const dw = mem.output([...filterShape]);
  if (!nonEmpty(filterShape)) return dw;
  if (!nonEmpty(x.shape, dy.shape)) {
    mem.heap.fill(0, mem.offset(dw) / 4, mem.offset(dw) / 4 + tf.util.sizeFromShape(filterShape));
    return dw;
  }
  addon.conv2dBackpropFilter(mem.heap, mem.offset(x), mem.offset(dy), mem.offset(dw), plan.fields);
  return dw;
}

/** dx = col2im(dy · W^T). */
export function conv2dBackpropInput(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { dy, filter } = inputs as unknown as Inputs<'dy' | 'filter'>;
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (!isFloat32(dy, filter)) return null;
  const plan = convShape(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, dataFormat);
  if (plan === null) return null;
  const mem = new WasmHeap(backend);
  const dx = mem.output([...inputShape]);
  if (!nonEmpty(inputShape)) return dx;
  if (!nonEmpty(dy.shape, filter.shape)) {
    mem.heap.fill(0, mem.offset(dx) / 4, mem.offset(dx) / 4 + tf.util.sizeFromShape(inputShape));
    return dx;
  }
  addon.conv2dBackpropInput(mem.heap, mem.offset(dy), mem.offset(filter), mem.offset(dx), plan.fields);
  return dx;
}
