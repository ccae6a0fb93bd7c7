import * as tf from '@tensorflow/tfjs';

import type { NativeAddon } from './native-addon.js';
import { compressMask, maskPatternCache, SPARSE_ACTIVATIONS, type SparseActivation, type SparsePattern } from './sparse-dense.js';
import { WasmHeap, type KernelArgs } from './wasm-heap.js';

/**
 * Sparse convolutions on the native addon (native/src/sparse-conv.c): `act(conv(x, W ⊙ M) + b)`
 * from the mask's non-zeros only, forward and backward, the filter gradient evaluated at the
 * non-zeros only (exactly zero elsewhere, as the dense `W ⊙ M` route gives). NHWC input, HWIO
 * filter. The mask [fh, fw, cin, cout] is compressed as a [fh·fw·cin x cout] matrix once per
 * mask change (a new dataId of the mask variable), never per step; W is read in place.
 */

export const SPARSE_CONV = 'SparsenasSparseConv2D';
const SPARSE_CONV_GRAD = 'SparsenasSparseConv2DGrad';

/** A conv mask compressed as [fh·fw·cin x cout] (`compressMask`), with the filter's shape. */
export interface SparseConvPattern extends SparsePattern {
  readonly filterShape: readonly [number, number, number, number];
}

/** Compresses a row-major HWIO 0/1 mask of `filterShape`. */
export function compressConvMask(mask: ArrayLike<number>, filterShape: readonly number[]): SparseConvPattern {
  if (filterShape.length !== 4) throw new Error(`compressConvMask: a conv filter shape is [fh, fw, cin, cout], got [${filterShape.join(', ')}]`);
  const [fh, fw, cin, cout] = filterShape as [number, number, number, number];
  return { ...compressMask(mask, fh * fw * cin, cout), filterShape: [fh, fw, cin, cout] };
}

const patterns = maskPatternCache((mask) => compressConvMask(mask.dataSync() as Float32Array, mask.shape));

/** How many conv patterns were compressed since the process started (tests: once per mask change). */
export function convPatternRebuilds(): number {
  return patterns.rebuilds();
}

/** The conv mask's compressed pattern, rebuilt only when the mask variable was assigned since. */
export function convPatternOf(mask: tf.Variable): SparseConvPattern {
  return patterns.of(mask);
}

export type ConvPad = 'same' | 'valid' | number;

export interface SparseConvGeometry {
  strides: [number, number];
  dilations: [number, number];
  pad: ConvPad;
}

interface ForwardAttrs extends SparseConvGeometry { pattern: SparseConvPattern; activation: number }
interface GradAttrs extends ForwardAttrs { op: 1 | 2 | 3; xShape: number[] }

function convInfo(xShape: readonly number[], a: ForwardAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], a.pattern.filterShape as [number, number, number, number],
    a.strides, a.dilations, a.pad, undefined, false, 'channelsLast');
}

/** `spn_conv_shape`'s fields (native/src/conv2d.h) followed by the activation. */
function fields(info: tf.backend_util.Conv2DInfo, activation: number): Int32Array {
  return Int32Array.from([
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
    info.dilationHeight, info.dilationWidth, info.padInfo.top, info.padInfo.left, activation,
  ]);
}

function forwardKernel(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, w, bias } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo; bias?: tf.TensorInfo };
  const a = attrs as unknown as ForwardAttrs;
  const info = convInfo(x.shape, a);
  const mem = new WasmHeap(backend);
  const y = mem.output(info.outShape);
  const p = a.pattern;
  addon.sparseConv!(mem.heap, 0, mem.offset(x), mem.offset(w), mem.offset(bias), mem.offset(y), fields(info, a.activation), p.optr, p.oidx, p.iptr, p.iidx);
  return y;
}

function gradKernel(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, y, other } = inputs as { dy: tf.TensorInfo; y?: tf.TensorInfo; other?: tf.TensorInfo };
  const a = attrs as unknown as GradAttrs;
  const info = convInfo(a.xShape, a);
  const p = a.pattern;
  const mem = new WasmHeap(backend);
  const out = mem.output(a.op === 1 ? a.xShape : a.op === 2 ? [...p.filterShape] : [p.outputs]);
  const gate = a.activation === SPARSE_ACTIVATIONS.relu ? mem.offset(y) : -1;
  addon.sparseConv!(mem.heap, a.op, mem.offset(dy), gate, mem.offset(other), mem.offset(out), fields(info, a.activation), p.optr, p.oidx, p.iptr, p.iidx);
  return out;
}

let registered = false;

/** Registers the sparse convolution kernels and their gradient (once); false when the addon predates them. */
export function installSparseConvKernels(addon: NativeAddon): boolean {
  if (typeof addon.sparseConv !== 'function') return false;
  if (registered) return true;
  tf.registerKernel({ kernelName: SPARSE_CONV, backendName: 'wasm', kernelFunc: (args) => forwardKernel(addon, args) });
  tf.registerKernel({ kernelName: SPARSE_CONV_GRAD, backendName: 'wasm', kernelFunc: (args) => gradKernel(addon, args) });
  tf.registerGradient({
    kernelName: SPARSE_CONV,
    inputsToSave: ['x', 'w'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, w, y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      const a = { ...(attrs as unknown as ForwardAttrs), xShape: x.shape };
      const grad = (op: 1 | 2 | 3, other?: tf.Tensor) => () =>
        tf.engine().runKernel(SPARSE_CONV_GRAD, { dy: dy as tf.Tensor, y, ...(other ? { other } : {}) }, { ...a, op } as unknown as tf.NamedAttrMap) as tf.Tensor;
      return { x: grad(1, w), w: grad(2, x), bias: grad(3) };
    },
  });
  registered = true;
  return true;
}

/**
 * `act(conv2d(x, W ⊙ M, strides, pad, dilations) + bias)` on the sparse kernels. `x` is NHWC,
 * `weight` HWIO with `pattern` its mask's; the caller checks `sparseKernelsBlocker()` and
 * `sparseConvAvailable()` first.
 */
export function sparseConv2d(x: tf.Tensor4D, weight: tf.Tensor, pattern: SparseConvPattern, bias: tf.Tensor | undefined,
  activation: SparseActivation, geometry: SparseConvGeometry): tf.Tensor4D {
  const inputs: tf.NamedTensorMap = { x, w: weight, ...(bias ? { bias } : {}) };
  const attrs: ForwardAttrs = { ...geometry, pattern, activation: SPARSE_ACTIVATIONS[activation] };
  return tf.engine().runKernel(SPARSE_CONV, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** Whether the sparse convolution kernels are registered (the addon has them). */
export function sparseConvAvailable(): boolean {
  return registered;
}

/**
 * The convolution crossover rule (measured by `npm run bench -- sparse`, per-layer convolution
 * table; README "Sparse kernels"): a masked convolution runs sparse when
 *   - its patch is long enough (fh·fw·cin >= SPARSE_CONV_MIN_PATCH): with short patches (a first
 *     layer on 1-3 channels) the work is moving activations, which sparsity does not shrink, and
 *     the sparse route's channel-major layout costs more than the multiply-adds it saves; and
 *   - density / gridShare <= SPARSE_CONV_DENSITY_CROSSOVER, where gridShare = OH·OW / (Hq·Wq) is
 *     the share of the kernel's pixel grid that are real outputs (the rest are computed and
 *     discarded: 0.72 for 13x13 valid 3x3, 0.77 for 14x14 same 3x3, 1 for 1x1 unpadded).
 */
export const SPARSE_CONV_DENSITY_CROSSOVER = 0.3;
export const SPARSE_CONV_MIN_PATCH = 64;

/** The share of the sparse kernel's per-image pixel grid that are real output pixels. */
export function sparseConvGridShare(p: SparseConvPattern, xShape: readonly number[], g: SparseConvGeometry): number {
  const info = convInfo(xShape, { ...g, pattern: p, activation: 0 });
  const hq = info.outHeight + Math.floor(((info.filterHeight - 1) * info.dilationHeight) / info.strideHeight);
  const wq = info.outWidth + Math.floor(((info.filterWidth - 1) * info.dilationWidth) / info.strideWidth);
  return hq * wq > 0 ? (info.outHeight * info.outWidth) / (hq * wq) : 0;
}

export function prefersSparseConv(p: SparseConvPattern, xShape: readonly number[], g: SparseConvGeometry): boolean {
  if (p.inputs < SPARSE_CONV_MIN_PATCH) return false;
  const share = sparseConvGridShare(p, xShape, g);
  return share > 0 && p.density / share <= SPARSE_CONV_DENSITY_CROSSOVER;
}
