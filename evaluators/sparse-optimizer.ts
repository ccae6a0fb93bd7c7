import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '../search/index.js';
import { compressMask, loadNativeAddon, patternOf, sparseKernelsBlocker, type NativeAddon, type SparsePattern } from './kernels/native/index.js';
import { WasmHeap } from './kernels/native/wasm-heap.js';
import { clipScale, regularise } from './gradients.js';
import type { MaskedParam } from './sparse/types.js';

/**
 * Adam for masked weights at the mask's non-zeros only (issue 15): one native call per layer
 * (native/src/sparse-adam.c) updates W in place at the non-zeros, instead of tfjs' ten dense
 * element-wise ops over every weight and the W ⊙ M re-mask after them. Every other variable
 * (biases, BN, dense layers) goes through the trial's own tfjs AdamOptimizer, which keeps the
 * step count and β powers for all.
 *
 * Same result as the dense masked step, to float tolerance (tested): the native arithmetic is
 * tfjs' operation by operation in float32. Off the mask W is 0 and its gradient is 0, so the
 * dense step changes W there only to have the re-mask zero it again, and its moments only
 * decay: m ← β1·m, v ← β2·v per step. Those moments matter when a connection is regrown
 * (RigL/SET): a never-active position starts at m = v = 0 as in the dense path, and one that
 * was active before gets its moments decayed by β^(steps it was off), exactly what the dense
 * path would hold (applied lazily, when the mask changes: the layer's state records the step
 * each position went off). A param that leaves this route (density above the limit, a training
 * method's own forward) hands its moments, decayed the same way, back to the tfjs optimiser's
 * slots, and takes them over from there when it (re-)enters.
 *
 * Moments are stored dense (indexed like W) or compact (one per non-zero, in the pattern's
 * order, with dense copies updated only when the mask changes). `npm run bench -- sparse`
 * measures both (optimiser table): within noise of each other at every density, the faster
 * one flipping between runs (README "Sparse kernels"); compact, with less memory per step, is
 * DEFAULT_LAYOUT.
 */
export type MomentLayout = 'dense' | 'compact';
export const DEFAULT_LAYOUT: MomentLayout = 'compact';

/**
 * A masked weight takes this route when its mask's density is below this: every mask with a
 * zero. Measured by `npm run bench -- sparse` (optimiser table, 784x300): the one native call
 * takes 0.5x the time of tfjs' dense Adam plus the re-mask even at density 0.9-1, 0.07x at 0.1.
 * An all-ones mask stays on tfjs' Adam (its method does not re-mask it; a fused dense Adam is
 * the dense path's business).
 */
export const SPARSE_ADAM_MAX_DENSITY = 1;

interface LayerState {
  pattern: SparsePattern;
  layout: MomentLayout;
  /** Dense moments [in·out]: the moments themselves (dense layout) or their copies off the mask (compact). */
  dm: Float32Array;
  dv: Float32Array;
  /** Compact moments (one per non-zero), compact layout only. */
  cm?: Float32Array;
  cv?: Float32Array;
  /** Step at which each position last went off the mask (its moments have been decaying since). */
  off: Int32Array;
}

interface AdamInternals {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  iterations_?: number;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
}

/** Patterns of non-2-D masks (conv kernels seen as [kh·kw·in, out]), cached by mask data like patternOf. */
const flatPatterns = new WeakMap<tf.Variable, { dataId: object; pattern: SparsePattern }>();

/** The mask's pattern over [size / outputs, outputs] (outputs = the last axis). */
export function flatPatternOf(mask: tf.Variable): SparsePattern {
  if (mask.rank === 2) return patternOf(mask);
  const hit = flatPatterns.get(mask);
  if (hit && hit.dataId === mask.dataId) return hit.pattern;
  const outputs = mask.shape[mask.rank - 1]!;
  const pattern = compressMask(mask.dataSync() as Float32Array, mask.size / outputs, outputs);
  flatPatterns.set(mask, { dataId: mask.dataId, pattern });
  return pattern;
}

export class SparseAdam {
  private readonly layers = new Map<string, LayerState>();
  private readonly adam: AdamInternals;

  constructor(optimizer: tf.AdamOptimizer, private readonly addon: NativeAddon, private readonly layout: MomentLayout = DEFAULT_LAYOUT) {
    this.adam = optimizer as unknown as AdamInternals;
    if (typeof addon.sparseAdam !== 'function') throw new Error('SparseAdam: the native addon predates sparseAdam; rebuild it with `node scripts/build-native.mjs`');
  }

  /** Params (by weight variable name) whose moments this optimiser holds now. */
  get held(): ReadonlySet<string> {
    return new Set(this.layers.keys());
  }

  /**
   * One optimiser step: the gradients of `routed` params (by weight variable name) at their
   * masks' non-zeros here, every other gradient through the tfjs optimiser, with the loop's
   * clipping and weight decay (`regularise`). Returns the names updated here (W exactly W ⊙ M).
   */
  applyGradients(grads: tf.NamedTensorMap, routed: ReadonlyMap<string, MaskedParam>, training: TrainingConfig, kernels: ReadonlyMap<string, tf.Variable>): Set<string> {
    const here = new Set([...routed.keys()].filter((name) => grads[name] != null));
    const a = this.adam;
    const step = (a.iterations_ ?? 0) + 1;
    // Leaving the route: hand the moments back before tfjs steps this param again.
    for (const name of [...this.layers.keys()]) if (!here.has(name)) this.release(name, step);
    if (here.size === 0) {
      tf.tidy(() => (a as unknown as tf.Optimizer).applyGradients(regularise(grads, training, kernels)));
      return here;
    }
    tf.tidy(() => {
      const scaleT = clipScale(grads, training);
      const scale = scaleT ? scaleT.dataSync()[0]! : 1;
      const wd = training.weightDecay ?? 0;
      const c1 = Math.fround(1 - (a.accBeta1.dataSync()[0] as number));
      const c2 = Math.fround(1 - (a.accBeta2.dataSync()[0] as number));
      const hyper = Float64Array.from([a.beta1, a.beta2, 1 - a.beta1, 1 - a.beta2, c1, c2, a.epsilon, -a.learningRate, scale, wd]);
      const mem = new WasmHeap(tf.backend());
      for (const name of here) {
        const p = routed.get(name)!;
        const w = p.weight;
        const state = this.stateFor(name, p, step);
        const pattern = state.pattern;
        ensureUnshared(w);
        const m = state.layout === 'compact' ? state.cm! : state.dm;
        const v = state.layout === 'compact' ? state.cv! : state.dv;
        const dims = Int32Array.from([pattern.inputs, pattern.outputs, state.layout === 'compact' ? 1 : 0, scaleT ? 1 : 0, wd > 0 ? 1 : 0]);
        this.addon.sparseAdam!(mem.heap, mem.offset(w), mem.offset(grads[name]!), dims, pattern.iptr, pattern.iidx, m, v, hyper);
      }
      const rest: Record<string, tf.Tensor | null> = {};
      // Keys keep their order (tfjs indexes its slots by position); routed ones are skipped (null).
      const others = regularise(grads, training, kernels, here, scaleT);
      for (const name of Object.keys(grads)) rest[name] = here.has(name) ? null : others[name]!;
      (a as unknown as tf.Optimizer).applyGradients(rest as tf.NamedTensorMap);
    });
    return here;
  }

  /** Dense first and second moments of a held param as the dense path would hold them now (tests, hand-back). */
  moments(name: string, step: number): { m: Float32Array; v: Float32Array } | undefined {
    const s = this.layers.get(name);
    if (!s) return undefined;
    const m = Float32Array.from(s.dm), v = Float32Array.from(s.dv);
    const { iptr, iidx, outputs } = s.pattern;
    const on = new Uint8Array(m.length);
    for (let i = 0, k = 0; i < s.pattern.inputs; i++) {
      for (; k < iptr[i + 1]!; k++) {
        const at = i * outputs + iidx[k]!;
        on[at] = 1;
        if (s.layout === 'compact') { m[at] = s.cm![k]!; v[at] = s.cv![k]!; }
      }
    }
    const b1 = this.adam.beta1, b2 = this.adam.beta2;
    for (let at = 0; at < m.length; at++) {
      if (on[at]) continue;
      const n = step - s.off[at]!;
      if (n > 0) { m[at] = m[at]! * b1 ** n; v[at] = v[at]! * b2 ** n; }
    }
    return { m, v };
  }

  dispose(): void {
    this.layers.clear();
  }

  private slots(name: string): [tf.Variable, tf.Variable] | undefined {
    const i = this.adam.accumulatedFirstMoment.findIndex((e) => e?.originalName === `${name}/m`);
    const m = this.adam.accumulatedFirstMoment[i]?.variable, v = this.adam.accumulatedSecondMoment[i]?.variable;
    return m && v ? [m, v] : undefined;
  }

  private release(name: string, step: number): void {
    const moments = this.moments(name, step)!;
    const slots = this.slots(name);
    if (slots) tf.tidy(() => { slots[0].assign(tf.tensor(moments.m, slots[0].shape)); slots[1].assign(tf.tensor(moments.v, slots[1].shape)); });
    this.layers.delete(name);
  }

  private stateFor(name: string, p: MaskedParam, step: number): LayerState {
    const pattern = flatPatternOf(p.mask);
    let s = this.layers.get(name);
    if (!s) {
      const size = p.weight.size;
      const slots = this.slots(name);
      const dm = slots ? Float32Array.from(slots[0].dataSync() as Float32Array) : new Float32Array(size);
      const dv = slots ? Float32Array.from(slots[1].dataSync() as Float32Array) : new Float32Array(size);
      s = { pattern, layout: this.layout, dm, dv, off: new Int32Array(size).fill(step) };
      if (this.layout === 'compact') { s.cm = gather(dm, pattern); s.cv = gather(dv, pattern); }
      this.layers.set(name, s);
      return s;
    }
    if (s.pattern !== pattern) this.remask(s, pattern, step);
    return s;
  }

  /** The mask moved: positions that went off start decaying now; those that came on catch up on their decay. */
  private remask(s: LayerState, next: SparsePattern, step: number): void {
    const old = s.pattern;
    if (s.layout === 'compact') { scatter(s.cm!, old, s.dm); scatter(s.cv!, old, s.dv); }
    const b1 = this.adam.beta1, b2 = this.adam.beta2;
    const { off, dm, dv } = s;
    // Row by row, merge the two patterns' column lists (ascending within a row): O(nnz), not O(size).
    for (let i = 0, a = 0, b = 0; i < old.inputs; i++) {
      const aEnd = old.iptr[i + 1]!, bEnd = next.iptr[i + 1]!, row = i * old.outputs;
      while (a < aEnd || b < bEnd) {
        const ca = a < aEnd ? old.iidx[a]! : 0x7fffffff, cb = b < bEnd ? next.iidx[b]! : 0x7fffffff;
        if (ca === cb) { a++; b++; continue; }
        if (ca < cb) { off[row + ca] = step; a++; continue; }
        const at = row + cb;
        const n = step - off[at]!;
        if (n > 0) { dm[at] = dm[at]! * b1 ** n; dv[at] = dv[at]! * b2 ** n; }
        b++;
      }
    }
    s.pattern = next;
    if (s.layout === 'compact') { s.cm = gather(s.dm, next); s.cv = gather(s.dv, next); }
  }
}

function gather(dense: Float32Array, p: SparsePattern): Float32Array {
  const out = new Float32Array(p.nnz);
  for (let i = 0, k = 0; i < p.inputs; i++) for (; k < p.iptr[i + 1]!; k++) out[k] = dense[i * p.outputs + p.iidx[k]!]!;
  return out;
}

function scatter(compact: Float32Array, p: SparsePattern, dense: Float32Array): void {
  for (let i = 0, k = 0; i < p.inputs; i++) for (; k < p.iptr[i + 1]!; k++) dense[i * p.outputs + p.iidx[k]!] = compact[k]!;
}

/** W is written in place: give it its own buffer first if another tensor shares it (tf.clone). */
function ensureUnshared(w: tf.Variable): void {
  const backend = tf.backend() as unknown as { refCount?(dataId: object): number };
  if ((backend.refCount?.(w.dataId) ?? 1) > 1) tf.tidy(() => { w.assign(tf.add(w, tf.scalar(0))); });
}

/**
 * The sparse Adam of a trial, or undefined: only with Adam, on the native backend with sparse
 * kernels available and not switched off (SPARSENAS_SPARSE_KERNELS=0 turns this off too).
 */
export function createSparseAdam(optimizer: tf.Optimizer, training: TrainingConfig): SparseAdam | undefined {
  if (training.optimizer !== 'adam' || !(optimizer instanceof tf.AdamOptimizer)) return undefined;
  if (sparseKernelsBlocker() !== null) return undefined;
  const addon = loadNativeAddon().addon;
  if (!addon || typeof addon.sparseAdam !== 'function') return undefined;
  return new SparseAdam(optimizer, addon);
}

/** Whether a masked param's step goes through the sparse Adam (plain W ⊙ M, sparse enough). */
export function routesSparse(p: MaskedParam): boolean {
  const pattern = flatPatternOf(p.mask);
  return pattern.density < SPARSE_ADAM_MAX_DENSITY;
}
