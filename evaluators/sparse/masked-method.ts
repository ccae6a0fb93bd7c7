import * as tf from '@tensorflow/tfjs';
import type { Rng, SparsitySpec } from '../../search/index.js';
import type { HostReads, MaskedParam, SparseMethod, SparseStepContext } from './types.js';
import { layerSparsities } from './distribution.js';
import { fitScheduleToRun, resolveSparsity, type ResolvedSparsity } from './resolve-spec.js';

/**
 * Shared machinery of every method whose forward pass is `W ⊙ M` with a mask held in
 * `param.mask`: target assignment, mask I/O, re-masking after each optimiser step.
 * Subclasses decide the initial mask and how it moves (`initMask`, `updateMasks`).
 *
 * Zeros already in `param.mask` when `init` runs are structural (a node mask from `keepNodes`,
 * which the builder re-applies after every step): they stay off for the whole run, count towards
 * the layer's pruned budget first, and are never grown into.
 */
export abstract class MaskedMethod implements SparseMethod {
  protected params: readonly MaskedParam[] = [];
  protected rng!: Rng;
  protected cfg!: ResolvedSparsity;
  protected totalSteps = 0;
  /** 0/1 per weight: where the mask may be 1. Only for params that came with structural zeros. */
  protected readonly allowed = new Map<string, Float32Array>();

  init(params: readonly MaskedParam[], spec: SparsitySpec, rng: Rng, totalSteps: number): void {
    this.cfg = fitScheduleToRun(resolveSparsity(spec), totalSteps);
    this.rng = rng;
    this.totalSteps = totalSteps;
    this.params = params;
    this.allowed.clear();
    for (const p of params) {
      const m = hostValues(p.mask);
      if (countZeros(m) > 0) {
        const allowed = new Float32Array(m.length);
        for (let i = 0; i < m.length; i++) allowed[i] = m[i] === 0 ? 0 : 1;
        this.allowed.set(p.name, allowed);
      }
    }
    this.prepare();
    const raw = layerSparsities(
      // Group pruning keeps depthwise kernels whole: their channels are fixed by the layer before,
      // and pruning them independently of it cuts every path (a static 80% filter mask on a
      // separable block trains at chance). Unstructured and N:M kinds sparsify them as usual.
      params.map((p) => ({ name: p.name, shape: p.weight.shape, role: p.role,
        sparsityOverride: this.cfg.unit !== 'weight' && p.layerType === 'depthwiseConv2d' ? 0 : p.sparsityOverride })),
      {
        level: this.cfg.level,
        // An N:M pattern fixes every sparse layer's density at 1 − N/M: nothing to distribute.
        distribution: spec.kind === 'n:m' ? 'uniform' : spec.distribution,
        keepFirstDense: spec.keepFirstDense,
        // Output-unit groups of the classifier are classes: pruning one deletes a class.
        keepLastDense: spec.keepLastDense || this.cfg.unit === 'output',
      },
    );
    params.forEach((p, i) => {
      const keepClasses = this.cfg.unit === 'output' && p.role === 'classifier';
      p.targetSparsity = keepClasses ? 0 : this.realisableSparsity(p, raw[i]!);
    });
    for (const p of params) {
      this.initMask(p);
      this.maskWeights(p);
    }
  }

  /** Called at the start of `init`, after the spec is resolved: per-trial caches. */
  protected prepare(): void {}
  /** The target the method records for a requested sparsity (N:M: the pattern's own sparsity). */
  protected abstract realisableSparsity(param: MaskedParam, requested: number): number;
  /** Write the initial mask of `param` (the base class then zeroes the masked weights). */
  protected abstract initMask(param: MaskedParam): void;
  /** Move the masks at step `ctx.step` (prune, drop/grow); the base class re-masks afterwards. */
  protected updateMasks(_ctx: SparseStepContext, _denseGradients?: ReadonlyMap<string, tf.Tensor>): void {}

  /** Write a mask, keeping structural zeros off. */
  protected setMask(param: MaskedParam, values: Float32Array): void {
    const allowed = this.allowed.get(param.name);
    if (allowed) for (let i = 0; i < values.length; i++) values[i]! *= allowed[i]!;
    writeMask(param, values);
  }

  /** True when the mask is all ones for the whole run (no target, no structural zeros). */
  protected isDense(param: MaskedParam): boolean {
    return param.targetSparsity === 0 && !this.allowed.has(param.name);
  }

  /** W ← W ⊙ M. SR-STE overrides it: its dense weights must keep their pruned values. */
  protected maskWeights(param: MaskedParam): void {
    applyMask(param);
  }

  effectiveWeight(param: MaskedParam): tf.Tensor {
    // An all-ones mask: skip the multiply (clone, so the caller may dispose what it gets).
    return this.isDense(param) ? tf.clone(param.weight) : tf.mul(param.weight, param.mask);
  }

  plainMask(_param: MaskedParam): boolean {
    return true;
  }

  wantsDenseGradient(_ctx: SparseStepContext): boolean {
    return false;
  }

  /** The base class reads on the host only in `init`; subclasses that move masks say when. */
  hostReads(_ctx: SparseStepContext): HostReads {
    return { forward: false, afterStep: false };
  }

  afterStep(params: readonly MaskedParam[], ctx: SparseStepContext, denseGradients?: ReadonlyMap<string, tf.Tensor>, maskedByStep?: ReadonlySet<string>): void {
    this.params = params;
    const masks = maskedByStep?.size ? new Map(params.map((p) => [p.name, p.mask.dataId])) : undefined;
    this.updateMasks(ctx, denseGradients);
    // W ← W ⊙ M after every step: the optimiser's update (momentum, Adam moments, weight decay)
    // would otherwise leak into masked positions. A param the step updated only at its mask's
    // non-zeros (the sparse optimiser) is already exactly W ⊙ M, unless its mask moved just now.
    for (const p of params) {
      if (this.isDense(p)) continue;
      if (maskedByStep?.has(p.name) && masks?.get(p.name) === p.mask.dataId) continue;
      this.maskWeights(p);
    }
  }

  dispose(): void {
    this.params = [];
    this.allowed.clear();
  }
}

/** A private copy of a tensor's values (dataSync may return the backend's own buffer). */
export function readValues(t: tf.Tensor): Float32Array {
  return hostValues(t).slice();
}

/**
 * A float32 tensor's values as dataSync gives them: possibly the backend's own buffer, so only
 * to be read, and only while the tensor is alive and unassigned (copy with `readValues` to keep
 * or write them).
 */
export function hostValues(t: tf.Tensor): Float32Array {
  const v = t.dataSync();
  if (!(v instanceof Float32Array)) throw new TypeError(`expected a float32 tensor, got dtype ${t.dtype}`);
  return v;
}

export function writeMask(param: MaskedParam, values: Float32Array): void {
  tf.tidy(() => { param.mask.assign(tf.tensor(values, param.mask.shape, 'float32')); });
}

export function applyMask(param: MaskedParam): void {
  tf.tidy(() => { param.weight.assign(tf.mul(param.weight, param.mask)); });
}

export function countZeros(values: ArrayLike<number>): number {
  let z = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === 0) z++;
  return z;
}
