import type * as tf from '@tensorflow/tfjs';
import type { Activation } from '../../search/index.js';
import { patternOf, prefersSparse, sparseDense, sparseKernelsBlocker } from '../kernels/native/index.js';
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
  if (!s || s.weight !== o.weight || x.rank !== 2 || param.weight.rank !== 2 || !s.eligible(param)) return null;
  if (sparseKernelsBlocker() !== null) return null;
  const pattern = patternOf(param.mask);
  if (!prefersSparse(pattern)) return null;
  s.ran.add(param.name);
  const fused = activation === 'relu' || activation === 'linear';
  const y = sparseDense(x as tf.Tensor2D, param.weight, pattern, bias?.(), fused ? activation : 'linear');
  return fused ? y : activate(y, activation);
}
