import * as tf from '@tensorflow/tfjs';

import type { NativeAddon } from './native-addon.js';
import { WasmHeap, type KernelArgs } from './wasm-heap.js';

/**
 * Sparse dense layers on the native addon (native/src/sparse-dense.c): `act(x · (W ⊙ M) + b)`
 * computed from the mask's non-zeros only, forward and backward, with the weight gradient
 * evaluated at the non-zeros only (exactly zero elsewhere, as the dense `W ⊙ M` route gives).
 * The mask's pattern is compressed once per mask change (a mask is a tf.Variable: every
 * `assign` gives it new data, which is what invalidates the cache), never per step; the
 * weights are read from the dense W in place.
 */

export const SPARSE_DENSE = 'SparsenasSparseDense';
const SPARSE_DENSE_GRAD = 'SparsenasSparseDenseGrad';

/** Fused activations of the sparse kernel (`enum spn_activation`); others run after it. */
export const SPARSE_ACTIVATIONS = { linear: 0, relu: 1 } as const;
export type SparseActivation = keyof typeof SPARSE_ACTIVATIONS;

/** A mask [in x out] compressed twice: by output (its inputs) and by input (its outputs). */
export interface SparsePattern {
  readonly inputs: number;
  readonly outputs: number;
  readonly nnz: number;
  readonly density: number;
  readonly optr: Int32Array;
  readonly oidx: Int32Array;
  readonly iptr: Int32Array;
  readonly iidx: Int32Array;
  /** By-input position → by-output position of the same weight (the forward gathers W row by row). */
  readonly perm: Int32Array;
}

/** Compresses a row-major [inputs x outputs] 0/1 mask (any non-zero counts as kept). */
export function compressMask(mask: ArrayLike<number>, inputs: number, outputs: number): SparsePattern {
  if (mask.length !== inputs * outputs) throw new Error(`compressMask: ${mask.length} mask values for a ${inputs}x${outputs} kernel`);
  const iptr = new Int32Array(inputs + 1);
  const optr = new Int32Array(outputs + 1);
  for (let i = 0; i < inputs; i++) {
    let n = 0;
    for (let o = 0, at = i * outputs; o < outputs; o++, at++) {
      if (mask[at] !== 0) { n++; optr[o + 1]!++; }
    }
    iptr[i + 1] = iptr[i]! + n;
  }
  for (let o = 0; o < outputs; o++) optr[o + 1]! += optr[o]!;
  const nnz = iptr[inputs]!;
  const iidx = new Int32Array(nnz);
  const oidx = new Int32Array(nnz);
  const perm = new Int32Array(nnz);
  const fill = optr.slice(0, outputs);
  for (let i = 0, k = 0; i < inputs; i++) {
    for (let o = 0, at = i * outputs; o < outputs; o++, at++) {
      if (mask[at] !== 0) { iidx[k] = o; perm[k++] = fill[o]!; oidx[fill[o]!++] = i; }
    }
  }
  return { inputs, outputs, nnz, density: inputs * outputs ? nnz / (inputs * outputs) : 0, optr, oidx, iptr, iidx, perm };
}

/**
 * Compressed patterns of mask variables, one per mask, rebuilt only when the mask variable was
 * assigned since (its dataId changed): a RigL/SET/GMP update every ΔT steps, never every step.
 */
export function maskPatternCache<P>(compress: (mask: tf.Variable) => P): { of(mask: tf.Variable): P; rebuilds(): number } {
  const cache = new WeakMap<tf.Variable, { dataId: object; pattern: P }>();
  let rebuilds = 0;
  return {
    of(mask) {
      const hit = cache.get(mask);
      if (hit && hit.dataId === mask.dataId) return hit.pattern;
      const pattern = compress(mask);
      rebuilds++;
      cache.set(mask, { dataId: mask.dataId, pattern });
      return pattern;
    },
    rebuilds: () => rebuilds,
  };
}

const patterns = maskPatternCache((mask) => {
  const [inputs, outputs] = mask.shape as [number, number];
  return compressMask(mask.dataSync() as Float32Array, inputs, outputs);
});

/** How many patterns were compressed since the process started (tests: once per mask change). */
export function patternRebuilds(): number {
  return patterns.rebuilds();
}

/** The mask's compressed pattern, rebuilt only when the mask variable was assigned since. */
export function patternOf(mask: tf.Variable): SparsePattern {
  return patterns.of(mask);
}

interface ForwardAttrs { pattern: SparsePattern; activation: number }
interface GradAttrs extends ForwardAttrs {
  op: 1 | 2 | 3;
  /** The call count right after this node's previous gradient call (-1: none): equal to `calls` now means dy is still transposed in the addon. */
  reuse: number;
}

function dims(batch: number, p: SparsePattern, activation: number): Int32Array {
  return Int32Array.from([batch, p.inputs, p.outputs, activation]);
}

/** Native sparse calls so far: a gradient call may reuse the previous one's transposed dy only if no call came between. */
let calls = 0;
const pad8 = (n: number) => (n + 7) & ~7;

/**
 * The forward's transposed input [in x pad8(batch)] per pattern (one per layer and mask), kept
 * for that layer's weight gradient, with the input it was transposed from: the gradient takes
 * it only when its saved x is that same tensor data (a layer applied twice in one step, or a
 * forward without backward in between, makes it transpose x again).
 */
interface TransposedInput { buffer: Float32Array; of: object | null }
const transposed = new WeakMap<SparsePattern, TransposedInput>();

function transposedInput(p: SparsePattern, batch: number): TransposedInput {
  const size = p.inputs * pad8(batch);
  let t = transposed.get(p);
  if (!t || t.buffer.length < size) transposed.set(p, t = { buffer: new Float32Array(size), of: null });
  return t;
}

function forwardKernel(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, w, bias } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo; bias?: tf.TensorInfo };
  const { pattern: p, activation } = attrs as unknown as ForwardAttrs;
  const batch = x.shape[0]!;
  const mem = new WasmHeap(backend);
  const y = mem.output([batch, p.outputs]);
  const xt = transposedInput(p, batch);
  calls++;
  addon.sparseDense!(mem.heap, 0, mem.offset(x), mem.offset(w), mem.offset(bias), mem.offset(y), dims(batch, p, activation), p.optr, p.oidx, p.iptr, p.iidx, p.perm, xt.buffer, 0);
  xt.of = x.dataId;
  return y;
}

function gradKernel(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { dy, y, other } = inputs as { dy: tf.TensorInfo; y?: tf.TensorInfo; other?: tf.TensorInfo };
  const { pattern: p, activation, op, reuse } = attrs as unknown as GradAttrs;
  const batch = dy.shape[0]!;
  const mem = new WasmHeap(backend);
  const out = mem.output(op === 1 ? [batch, p.inputs] : op === 2 ? [p.inputs, p.outputs] : [p.outputs]);
  const gate = activation === SPARSE_ACTIVATIONS.relu ? mem.offset(y) : -1;
  const reuseDz = reuse === calls ? 1 : 0;
  calls++;
  addon.sparseDense!(mem.heap, op, mem.offset(dy), gate, mem.offset(other), mem.offset(out), dims(batch, p, activation), p.optr, p.oidx, p.iptr, p.iidx, p.perm, op === 2 && other && transposed.get(p)?.of === other.dataId ? transposed.get(p)!.buffer : null, reuseDz);
  return out;
}

let registered = false;
let enabled = false;

/**
 * Registers the sparse kernels and their gradient for the wasm backend (once) and enables them;
 * false when the addon predates them (rebuild with `node scripts/build-native.mjs`).
 */
export function installSparseKernels(addon: NativeAddon): boolean {
  if (typeof addon.sparseDense !== 'function') return false;
  if (!registered) {
    tf.registerKernel({ kernelName: SPARSE_DENSE, backendName: 'wasm', kernelFunc: (args) => forwardKernel(addon, args) });
    tf.registerKernel({ kernelName: SPARSE_DENSE_GRAD, backendName: 'wasm', kernelFunc: (args) => gradKernel(addon, args) });
    tf.registerGradient({
      kernelName: SPARSE_DENSE,
      inputsToSave: ['x', 'w'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, w, y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const a = attrs as unknown as ForwardAttrs;
        // tfjs calls these in input order (x, w, bias), only for the inputs that need a
        // gradient; each after the first reuses dy as the previous one transposed it.
        let previous = -1;
        const grad = (op: 1 | 2 | 3, extra: tf.NamedTensorMap) => () => {
          const g = tf.engine().runKernel(SPARSE_DENSE_GRAD, { dy: dy as tf.Tensor, y, ...extra }, { ...a, op, reuse: previous } as unknown as tf.NamedAttrMap) as tf.Tensor;
          previous = calls;
          return g;
        };
        return { x: grad(1, { other: w }), w: grad(2, { other: x }), bias: grad(3, {}) };
      },
    });
    registered = true;
  }
  enabled = true;
  return true;
}

/** Turns the sparse kernels off (benchmarks of the dense path); installSparseKernels turns them on. */
export function disableSparseKernels(): void {
  enabled = false;
}

/** Why sparse kernels are off here, or null when they may run (on the wasm backend, addon loaded). */
export function sparseKernelsBlocker(): string | null {
  if (process.env.SPARSENAS_SPARSE_KERNELS === '0') return 'disabled by SPARSENAS_SPARSE_KERNELS=0';
  if (!enabled) return 'the native backend is not active (or its addon predates the sparse kernels: rebuild with `node scripts/build-native.mjs`)';
  if (tf.getBackend() !== 'wasm') return `backend ${tf.getBackend()} has no sparse kernels`;
  return null;
}

/**
 * The crossover rule (measured by `npm run bench -- sparse`, per-layer table; README "Sparse
 * kernels"): a masked dense layer runs sparse when its density is at most
 * SPARSE_DENSITY_CROSSOVER, whatever its shape. Few outputs of many inputs (1600→10) used to
 * stay dense at every density (the kernels transposed its wide input twice per step); since the
 * weight gradient reuses the forward's transposed input they are faster sparse too at ≤ 0.2
 * (1.1–3.0× in every repeat of five at 0.2, 0.1 and 0.05). With the SIMD transposes and the
 * vectorised sparse Adam the rule moved from 0.2 to 0.25: at 0.25 every shape of the table was
 * faster sparse in both runs (784→300 1.51 / 1.39, 300→100 1.86 / 1.26, 100→10 1.84 / 1.67,
 * 1600→10 1.22 / 1.02), at 0.3 two of four were slower in one run (0.93, 0.95).
 */
export const SPARSE_DENSITY_CROSSOVER = 0.25;

export function prefersSparse(p: SparsePattern): boolean {
  return p.density <= SPARSE_DENSITY_CROSSOVER;
}

/**
 * `act(x · (W ⊙ M) + bias)` on the sparse kernels. `x` is [batch, in], `weight` and `mask`
 * [in, out], `bias` [out]. The caller checks `sparseKernelsBlocker()` first.
 */
export function sparseDense(x: tf.Tensor2D, weight: tf.Tensor, pattern: SparsePattern, bias: tf.Tensor | undefined, activation: SparseActivation): tf.Tensor2D {
  const inputs: tf.NamedTensorMap = { x, w: weight, ...(bias ? { bias } : {}) };
  const attrs: ForwardAttrs = { pattern, activation: SPARSE_ACTIVATIONS[activation] };
  return tf.engine().runKernel(SPARSE_DENSE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}
