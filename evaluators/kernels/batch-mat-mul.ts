import type * as tf from '@tensorflow/tfjs';
import { KernelScope } from './kernel-scope.js';
import { stockKernel } from './stock-kernels.js';

/** Swap the last two axes of a tensor of any rank ≥ 2. */
function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return perm;
}

/**
 * BatchMatMul / _FusedMatMul with transposeA or transposeB: transpose explicitly, then run the
 * stock kernel untransposed. On wasm a transposed operand falls off XNNPACK's fast path
 * (1–2 GFLOP/s instead of ~20); every matmul gradient has one (dW = xᵀ·dy, dx = dy·Wᵀ).
 * 128×784 · 128×300: 60 ms → 4 ms. Untransposed calls go straight to the stock kernel.
 */
export function transposeFirstMatMulKernel(backendName: string, kernelName: 'BatchMatMul' | '_FusedMatMul'): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const { transposeA, transposeB } = attrs as { transposeA?: boolean; transposeB?: boolean };
    const stock = stockKernel(backendName, kernelName);
    if (!transposeA && !transposeB) return stock.kernelFunc(args);
    return KernelScope.compose(backend, backendName, kernelName, (s) => {
      const a = inputs['a']!;
      const b = inputs['b']!;
      const plainInputs = {
        ...inputs,
        a: transposeA ? s.transpose(a, swapLastTwo(a.shape.length)) : a,
        b: transposeB ? s.transpose(b, swapLastTwo(b.shape.length)) : b,
      };
      return s.run(kernelName, plainInputs, { ...attrs, transposeA: false, transposeB: false });
    });
  };
}
