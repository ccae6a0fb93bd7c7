import * as tf from '@tensorflow/tfjs';

import type { NativeAddon } from './native-addon.js';
import { type Inputs, isFloat32, type KernelArgs, WasmHeap } from './wasm-heap.js';

/**
 * Sum over a leading or trailing block of axes: the bias gradients of dense and conv layers
 * (every axis but the last). Stock wasm transposes the reduced axes to the end first, which
 * made a conv bias gradient one of the slowest kernels of a CNN step. Other axis sets go
 * to the previous kernel.
 */
export function sum(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { x } = inputs as unknown as Inputs<'x'>;
  const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
  if (!isFloat32(x) || x.shape.length === 0) return null;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  const rank = x.shape.length;
  const leading = axes.every((a, i) => a === i);
  const trailing = axes.every((a, i) => a === rank - axes.length + i);
  if (axes.length === 0 || (!leading && !trailing)) return null;
  const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
  const mem = new WasmHeap(backend);
  const out = mem.output(keepDims ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape);
  const split = leading ? axes.length : rank - axes.length;
  const outer = tf.util.sizeFromShape(x.shape.slice(0, split));
  const inner = tf.util.sizeFromShape(x.shape.slice(split));
  const outSize = leading ? inner : outer;
  if (outSize === 0) return out;
  if (outer * inner === 0) {
    mem.heap.fill(0, mem.offset(out) / 4, mem.offset(out) / 4 + outSize);
    return out;
  }
  addon.sum(mem.heap, mem.offset(x), mem.offset(out), outer, inner, !leading);
  return out;
}
