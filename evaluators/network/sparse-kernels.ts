import type * as tf from '@tensorflow/tfjs';
import type { Activation } from '../../search/index.js';
import {
  convPatternOf, nmDense, nmKernelsAvailable, patternOf, prefersSparse, prefersSparseConv, sparseConv2d, sparseConvAvailable, sparseDense, sparseKernelsBlocker, type SparseConvGeometry,
} from '../kernels/native/index.js';
import type { MaskedParam } from '../sparse/types.js';
import { activate } from './ops.js';
import type { ForwardOptions } from './types.js';

/**
 * A dense layer `act(x · (W ⊙ M) + b)` on the native sparse kernels, or null when the dense
 * route should run: no sparse option for this forward (or a different weight function than the
 * one it vouches for), the param not eligible, sparse kernels unavailable or switched off
 * (SPARSENAS_SPARSE_KERNELS=0), or the mask too dense for sparse to pay (`prefersSparse`).
 * ReLU and linear are fused into the kernel; other activations run after it.
 */
export function sparseDenseForward(x: tf.Tensor, param: MaskedParam, bias: (() => tf.Tensor) | undefined, activation: Activation, o: ForwardOptions): tf.Tensor | null {
  const s = o.sparse;
  if (!s || s.weight !== o.weight || x.rank !== 2 || param.weight.rank !== 2) return null;
  const nm = s.nm?.(param);
  if (!nm && !s.eligible(param)) return null;
  if (sparseKernelsBlocker() !== null) return null;
  if (nm) {
    // SR-STE: the N:M kernels (mask from W in the call, straight-through gradient), when built.
    if (!nmKernelsAvailable() || nm.m > 16) return null;
    s.ran.add(param.name);
    const fused = activation === 'relu' || activation === 'linear';
    const y = nmDense(x as tf.Tensor2D, param.weight, nm, bias?.(), fused ? activation : 'linear');
    return fused ? y : activate(y, activation);
  }
  const pattern = patternOf(param.mask);
  if (!prefersSparse(pattern)) return null;
  s.ran.add(param.name);
  const fused = activation === 'relu' || activation === 'linear';
  const y = sparseDense(x as tf.Tensor2D, param.weight, pattern, bias?.(), fused ? activation : 'linear');
  return fused ? y : activate(y, activation);
}

/**
 * A convolution `act(conv2d(x, W ⊙ M) + b)` (NHWC, HWIO) on the native sparse convolution
 * kernels, or null when the dense route should run: the same conditions as
 * `sparseDenseForward`, plus the addon lacking sparse convolutions, and the convolution
 * crossover rule (`prefersSparseConv`: long enough patches, sparse enough for its pixel grid).
 * Dilation is handled by the kernel itself (no spread filter).
 */
export function sparseConvForward(x: tf.Tensor, param: MaskedParam, bias: (() => tf.Tensor) | undefined, activation: Activation,
  geometry: { stride: number; padding: 'same' | 'valid'; dilation: number }, o: ForwardOptions): tf.Tensor | null {
  const s = o.sparse;
  if (!s || s.weight !== o.weight || x.rank !== 4 || param.weight.rank !== 4 || !s.eligible(param)) return null;
  if (sparseKernelsBlocker() !== null || !sparseConvAvailable()) return null;
  const pattern = convPatternOf(param.mask);
  const g: SparseConvGeometry = { strides: [geometry.stride, geometry.stride], dilations: [geometry.dilation, geometry.dilation], pad: geometry.padding };
  if (!prefersSparseConv(pattern, x.shape, g)) return null;
  s.ran.add(param.name);
  const fused = activation === 'relu' || activation === 'linear';
  const y = sparseConv2d(x as tf.Tensor4D, param.weight, pattern, bias?.(), fused ? activation : 'linear', g);
  return fused ? y : activate(y, activation);
}
