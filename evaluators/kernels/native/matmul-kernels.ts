import * as tf from '@tensorflow/tfjs';

import type { NativeAddon } from './native-addon.js';
import { ACTIVATION_CODES, type Inputs, isFloat32, type KernelArgs, nonEmpty, perColumn, WasmHeap } from './wasm-heap.js';

interface MatMulPlan {
  outShape: number[];
  /** [batch, m, n, k, transposeA, transposeB, batchA, batchB] */
  dims: number[];
}

/**
 * Shapes of a (batched) matmul as the GEMM sees them. Batch dimensions are supported when
 * each operand either has the full output batch or a single matrix (stride 0); any other
 * broadcast returns null and goes to the previous kernel.
 */
function planMatMul(a: number[], b: number[], transposeA: boolean, transposeB: boolean): MatMulPlan | null {
  const ra = a.length;
  const rb = b.length;
  if (ra < 2 || rb < 2) return null;
  const m = transposeA ? a[ra - 1] : a[ra - 2];
  const kA = transposeA ? a[ra - 2] : a[ra - 1];
  const kB = transposeB ? b[rb - 1] : b[rb - 2];
  const n = transposeB ? b[rb - 2] : b[rb - 1];
  if (kA !== kB) return null; // the previous kernel raises tfjs' own shape error
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(a.slice(0, -2), b.slice(0, -2));
  const batch = tf.util.sizeFromShape(batchShape);
  const batchA = tf.util.sizeFromShape(a.slice(0, -2));
  const batchB = tf.util.sizeFromShape(b.slice(0, -2));
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return null;
  return {
    outShape: [...batchShape, m, n],
    dims: [batch, m, n, kA, transposeA ? 1 : 0, transposeB ? 1 : 0, batchA, batchB],
  };
}

function runGemm(
  addon: NativeAddon,
  backend: object,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  bias: tf.TensorInfo | undefined,
  prelu: tf.TensorInfo | undefined,
  activation: number,
  alpha: number,
): tf.TensorInfo | null {
  const plan = planMatMul(a.shape, b.shape, transposeA, transposeB);
  if (plan === null) return null;
  const [, m, n] = plan.dims;
  if (!perColumn(bias, n) || !perColumn(prelu, n)) return null;
  const mem = new WasmHeap(backend);
  const out = mem.output(plan.outShape);
  if (!nonEmpty(plan.outShape) || m * n === 0) return out;
  const dims = Int32Array.from([...plan.dims, activation]);
  addon.gemm(mem.heap, mem.offset(a), mem.offset(b), mem.offset(out), mem.offset(bias), dims, alpha, mem.offset(prelu));
  return out;
}

/** BatchMatMul in every transposition: the packing absorbs transposes, so none is slow. */
export function batchMatMul(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { a, b } = inputs as unknown as Inputs<'a' | 'b'>;
  const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
  if (!isFloat32(a, b) || !nonEmpty(a.shape.slice(-2), b.shape.slice(-2))) return null;
  return runGemm(addon, backend, a, b, transposeA, transposeB, undefined, undefined, 0, 0);
}

/**
 * _FusedMatMul: GEMM with bias and activation applied as each tile of C is finished.
 * (Stock tfjs-wasm 4.22 also gets bias + prelu with a transposed operand wrong; this does not.)
 */
export function fusedMatMul(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo | null {
  const { a, b, bias, preluActivationWeights: prelu } = inputs as unknown as tf._FusedMatMulInputs;
  const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as tf._FusedMatMulAttrs;
  const code = ACTIVATION_CODES[activation];
  if (code === undefined || !isFloat32(a, b, bias, prelu) || !nonEmpty(a.shape.slice(-2), b.shape.slice(-2))) return null;
  if ((activation === 'prelu') !== (prelu != null)) return null;
  return runGemm(addon, backend, a, b, transposeA, transposeB, bias ?? undefined, prelu ?? undefined, code, leakyreluAlpha ?? 0);
}
