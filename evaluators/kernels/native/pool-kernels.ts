import * as tf from '@tensorflow/tfjs';

import type { NativeAddon } from './native-addon.js';
import { type Inputs, isFloat32, type KernelArgs, nonEmpty, WasmHeap } from './wasm-heap.js';

/** tfjs' pooling geometry in the field order of `spn_pool_shape` (native/src/max-pool.h). */
function poolShape(xShape: number[], attrs: tf.MaxPoolAttrs): { info: tf.backend_util.Conv2DInfo; fields: Int32Array } {
  const info = tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const fields = Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left,
  ]);
  return { info, fields };
}

export function maxPool(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x } = inputs as unknown as Inputs<'x'>;
  if (!isFloat32(x) || x.shape.length !== 4) return null;
  const { info, fields } = poolShape(x.shape, attrs as unknown as tf.MaxPoolAttrs);
  const mem = new WasmHeap(backend);
  const out = mem.output(info.outShape);
  if (!nonEmpty(info.outShape)) return out;
  addon.maxPool(mem.heap, mem.offset(x), mem.offset(out), fields);
  return out;
}

/** Routes each dy to the first maximum of its window, as tfjs' cpu backend does. */
export function maxPoolGrad(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { dy, input } = inputs as unknown as Inputs<'dy' | 'input'>;
  if (!isFloat32(dy, input) || input.shape.length !== 4) return null;
  const { fields } = poolShape(input.shape, attrs as unknown as tf.MaxPoolGradAttrs);
  const mem = new WasmHeap(backend);
  const dx = mem.output([...input.shape]);
  if (!nonEmpty(input.shape, dy.shape)) return dx;
  addon.maxPoolGrad(mem.heap, mem.offset(dy), mem.offset(input), mem.offset(dx), fields);
  return dx;
}
