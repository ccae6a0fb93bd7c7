import * as tf from '@tensorflow/tfjs';

import { nmKeptAlongAxis } from '../../sparse/nm-mask.js';
import type { NativeAddon } from './native-addon.js';
import { SPARSE_ACTIVATIONS, type SparseActivation } from './sparse-dense.js';
import { WasmHeap, type KernelArgs } from './wasm-heap.js';

/**
 * N:M dense layers on the native addon (native/src/nm-dense.c), for SR-STE: the layer
 * `act(x · (W ⊙ M(W)) + b)` with M(W) the N:M magnitude mask of the dense W along its input
 * axis (nm-mask.ts' rule: ties keep the lower input, a trailing partial group of r inputs keeps
 * ceil(N·r/M)). The forward packs W into N:M form (k = nmKept(in) values and input indices per
 * output, no row pointers) in the same call, every step, since SR-STE's mask follows W; the
 * input gradient runs on that packed form; the weight gradient is SR-STE's straight-through
 * one, dense by design (∂L/∂W = xᵀ·dz + λ·(1 − M) ⊙ W: pruned weights get gradients so
 * they can come back): the dense GEMM, then the λ term off the packed mask in one native call.
 */

export const NM_DENSE = 'SparsenasNmDense';
const NM_DENSE_GRAD = 'SparsenasNmDenseGrad';

/** The N:M structure of one layer: N of every M inputs kept, SR-STE's λ_w. */
export interface NmStructure {
  readonly n: number;
  readonly m: number;
  readonly lambda: number;
}

interface NmAttrs extends NmStructure { activation: number }
interface Packed { idx: Int32Array; val: Float32Array }

/**
 * The packed form of the weight data it was packed from (by tensor data id): the gradient of
 * a step takes the forward's, and packs again only if that W is gone.
 */
const packedOf = new WeakMap<object, Packed>();

function packedBuffers(inputs: number, outputs: number, s: NmStructure): Packed {
  const size = outputs * nmKeptAlongAxis(inputs, s.n, s.m);
  return { idx: new Int32Array(size), val: new Float32Array(size) };
}

function dims(batch: number, inputs: number, outputs: number, a: NmAttrs): Int32Array {
  return Int32Array.from([batch, inputs, outputs, a.n, a.m, a.activation]);
}

function forwardKernel(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, w, bias } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo; bias?: tf.TensorInfo };
  const a = attrs as unknown as NmAttrs;
  const [batch, inn] = x.shape as [number, number];
  const [win, out] = w.shape as [number, number];
  if (win !== inn) throw new Error(`nmDense: input of ${inn} features for a ${win}x${out} kernel`);
  const mem = new WasmHeap(backend);
  const y = mem.output([batch, out]);
  const p = packedBuffers(inn, out, a);
  addon.nmDense!(mem.heap, 0, mem.offset(x), mem.offset(w), mem.offset(bias), mem.offset(y), dims(batch, inn, out, a), p.idx, p.val, a.lambda);
  packedOf.set(w.dataId, p);
  return y;
}

function gradKernel(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dz, w, dw } = inputs as { dz?: tf.TensorInfo; w: tf.TensorInfo; dw?: tf.TensorInfo };
  const a = attrs as unknown as NmAttrs & { op: 1 | 3 };
  const [inn, out] = w.shape as [number, number];
  const mem = new WasmHeap(backend);
  let p = packedOf.get(w.dataId);
  if (!p) {
    p = packedBuffers(inn, out, a);
    addon.nmDense!(mem.heap, 2, -1, mem.offset(w), -1, -1, dims(0, inn, out, a), p.idx, p.val, a.lambda);
    packedOf.set(w.dataId, p);
  }
  if (a.op === 1) {
    const batch = dz!.shape[0]!;
    const dx = mem.output([batch, inn]);
    addon.nmDense!(mem.heap, 1, mem.offset(dz), -1, -1, mem.offset(dx), dims(batch, inn, out, a), p.idx, p.val, a.lambda);
    return dx;
  }
  const g = mem.output([inn, out]);
  addon.nmDense!(mem.heap, 3, mem.offset(w), -1, mem.offset(dw), mem.offset(g), dims(0, inn, out, a), p.idx, p.val, a.lambda);
  return g;
}

let available = false;

/** Registers the N:M kernels (once); false when the addon predates them (rebuild with `node scripts/build-native.mjs`). */
export function installNmKernels(addon: NativeAddon): boolean {
  if (typeof addon.nmDense !== 'function') return false;
  if (!available) {
    tf.registerKernel({ kernelName: NM_DENSE, backendName: 'wasm', kernelFunc: (args) => forwardKernel(addon, args) });
    tf.registerKernel({ kernelName: NM_DENSE_GRAD, backendName: 'wasm', kernelFunc: (args) => gradKernel(addon, args) });
    tf.registerGradient({
      kernelName: NM_DENSE,
      inputsToSave: ['x', 'w'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, w, y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const a = attrs as unknown as NmAttrs;
        // dz once for the three gradients (ReLU: dy where y > 0), made here, not inside one
        // input's closure (tfjs disposes what each closure makes before running the next).
        const dz = a.activation === SPARSE_ACTIVATIONS.relu ? tf.mul(dy as tf.Tensor, tf.step(y)) : dy as tf.Tensor;
        const gate = () => dz;
        const run = (op: 1 | 3, inputs: tf.NamedTensorMap) =>
          tf.engine().runKernel(NM_DENSE_GRAD, inputs, { ...a, op } as unknown as tf.NamedAttrMap) as tf.Tensor;
        return {
          x: () => run(1, { dz: gate(), w }),
          w: () => {
            const dense = tf.matMul(x as tf.Tensor2D, gate() as tf.Tensor2D, true, false);
            if (a.lambda === 0) return dense;
            return run(3, { w, dw: dense });
          },
          bias: () => tf.sum(gate(), 0),
        };
      },
    });
    available = true;
  }
  return true;
}

/** True once installNmKernels registered the kernels (the addon has them). */
export function nmKernelsAvailable(): boolean {
  return available;
}

/**
 * `act(x · (W ⊙ M(W)) + bias)` with M(W) the N:M mask of W recomputed in the call, and SR-STE's
 * gradient. `x` [batch, in], `weight` [in, out], `bias` [out]. The caller checks
 * `sparseKernelsBlocker()` and `nmKernelsAvailable()` first.
 */
export function nmDense(x: tf.Tensor2D, weight: tf.Tensor, s: NmStructure, bias: tf.Tensor | undefined, activation: SparseActivation): tf.Tensor2D {
  if (!Number.isInteger(s.n) || !Number.isInteger(s.m) || s.n < 1 || s.n > s.m || s.m > 16) {
    throw new Error(`nmDense: ${s.n}:${s.m} is not an N:M pattern the kernels run (1 <= N <= M <= 16); run the layer on the dense route`);
  }
  const inputs: tf.NamedTensorMap = { x, w: weight, ...(bias ? { bias } : {}) };
  const attrs: NmAttrs = { n: s.n, m: s.m, lambda: s.lambda, activation: SPARSE_ACTIVATIONS[activation] };
  return tf.engine().runKernel(NM_DENSE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}
