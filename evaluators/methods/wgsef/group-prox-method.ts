import * as tf from '@tensorflow/tfjs';
import { SparsenasError, type JsonObject, type TrainingConfig } from '../../../search/index.js';
import { countNonZeroGroups } from './groups.js';
import { LambdaSchedule } from './lambda-schedule.js';
import { penaltyByName, type GroupPenalty } from './penalties.js';
import { maskIndices, topKGroupMask } from './top-k-mask.js';
import type { Network } from '../../network/types.js';
import type { MethodStepContext, TrainingMethod } from '../types.js';
import { groupedKernels, type GroupedKernel } from './grouped-kernels.js';
import type { GroupProxOptions } from './method-options.js';
import { provideGroupProxMethod } from './group-prox-class.js';

/**
 * WGSEF / group-lasso training (Refael et al.; algorithms.md "WGSEF"), the training method of
 * a grouped run:
 * 1. proximal phase (epochs 1 … E − finetuneEpochs): after every optimiser step,
 *    θ ← prox_{η·λ·penalty}(θ) on every grouped kernel (η the step's learning rate; with Adam
 *    or momentum this is the usual "prox after the optimiser's update", not a pure proximal
 *    gradient step). The prox is exact: group norms go to plain TS (./prox.ts), each
 *    group is rescaled by its new norm over its old one. At each check (every
 *    `lambda.everySteps` steps, else each epoch end) λ is raised (×growth, ≤ max) while more
 *    than k groups are non-zero.
 * 2. projection, as soon as a prox step would leave ≤ k non-zero groups (per layer, or over
 *    the network with scope 'network'), else at the end of the proximal phase: keep the top-k
 *    groups by norm (before that prox), zero the rest; the kernels' masks get the group mask
 *    too, so parameter and FLOP accounting see the removed groups.
 * 3. fine-tune (the rest of the proximal phase, then the last finetuneEpochs epochs): no
 *    penalty, the group mask is re-applied after every step.
 * Each epoch reports λ, the non-zero groups per layer and whether the top-k mask is fixed yet;
 * the run reports the surviving groups, which the WGSEF strategy turns into a narrower network.
 */
export class GroupProxMethod implements TrainingMethod {
  private readonly kernels: GroupedKernel[];
  private readonly penalty: GroupPenalty;
  private readonly schedule: LambdaSchedule;
  private readonly proxEpochs: number;
  private masks: { weight: tf.Tensor; bias?: tf.Tensor }[] | undefined;
  private nonZero: number[] = [];
  private kept: Uint8Array[] = [];
  private reachedK = false;

  constructor(readonly spec: GroupProxOptions, net: Network, training: TrainingConfig) {
    this.proxEpochs = training.epochs - spec.finetuneEpochs;
    if (this.proxEpochs < 1) {
      throw new SparsenasError('TRAINING_METHOD_INVALID', `training.method.options.finetuneEpochs (${spec.finetuneEpochs}) leaves no epoch of proximal training out of training.epochs = ${training.epochs}; raise epochs or lower finetuneEpochs`);
    }
    this.kernels = groupedKernels(net, spec.groups);
    if (this.kernels.length === 0) {
      throw new SparsenasError('TRAINING_METHOD_INVALID', `training.method.options.groups: no layer of this network has ${spec.groups} groups (see evaluators/methods/wgsef/grouped-kernels.ts); use another groups unit`);
    }
    this.penalty = penaltyByName(spec.penalty);
    this.schedule = new LambdaSchedule(spec.lambda, spec.k);
  }

  afterStep(ctx: MethodStepContext): void {
    if (this.masks) { this.applyMasks(); return; }
    let tau = ctx.learningRate * this.schedule.lambda;
    // The prox of the difference-of-convex penalty exists only below 1 (unit weights).
    tau = Math.min(tau, this.penalty.maxStep() * (1 - 1e-6));
    const norms = this.norms();
    const scales = this.byScope(norms, (n, k) => this.penalty.scales(n, k, tau));
    // The scales say which groups this prox would leave non-zero: checking costs nothing more.
    const nonZero = scales.map((s) => countNonZeroGroups(s));
    if (!this.over(nonZero)) {
      // λ got there: keep the top k of the groups as they were before this prox (exactly k
      // when more than k were alive) and continue with that mask fixed, no penalty. Going on
      // with the prox would keep shrinking the survivors (R) or, with Adam's normalised
      // updates, let group lasso kill every group (measured in bench/wgsef-reproduce.ts).
      this.nonZero = nonZero;
      this.reachedK = true;
      this.project(norms);
      return;
    }
    tf.tidy(() => this.kernels.forEach((g, i) => this.scale(g, tf.tensor(Float32Array.from(scales[i]!)))));
    const every = this.spec.lambda.everySteps;
    if (every !== undefined && ctx.step % every === 0) this.schedule.update(this.spec.k + 1);
  }

  /** True while more than k groups are non-zero (in some layer, or over the network). */
  private over(nonZero: number[]): boolean {
    return this.spec.scope === 'network' ? nonZero.reduce((a, b) => a + b, 0) > this.spec.k : nonZero.some((n) => n > this.spec.k);
  }

  epochEnded(epoch: number): JsonObject {
    if (!this.masks && epoch <= this.proxEpochs) this.proximalEpochEnded(epoch);
    const nonZeroGroups: { [layer: string]: number } = {};
    this.kernels.forEach((g, i) => { nonZeroGroups[g.layer] = this.masks ? maskIndices(this.kept[i]!).length : (this.nonZero[i] ?? g.count); });
    return { lambda: this.schedule.lambda, nonZeroGroups, projected: this.masks !== undefined };
  }

  private proximalEpochEnded(epoch: number): void {
    const norms = this.norms();
    this.nonZero = norms.map((n) => countNonZeroGroups(n));
    const over = this.over(this.nonZero);
    if (this.spec.lambda.everySteps === undefined) this.schedule.update(over ? this.spec.k + 1 : this.spec.k);
    // End of the proximal phase without reaching k: project onto the top k anyway.
    if (epoch === this.proxEpochs) this.project(norms);
  }

  /** Keeps the top-k groups by `norms`, zeroes the rest, and fixes that mask (kernel masks too, for accounting). */
  private project(norms: Float64Array[]): void {
    this.kept = this.byScope(norms, (n, k) => topKGroupMask(n, k));
    this.masks = tf.tidy(() => this.kernels.map((g, i) => {
      const m = tf.tensor(Float32Array.from(this.kept[i]!));
      const weight = tf.keep(g.axis === null ? m.reshape(g.param.weight.shape) : m.reshape(broadcastShape(g)));
      g.param.mask.assign(tf.mul(g.param.mask, weight));
      return g.bias ? { weight, bias: tf.keep(m) } : { weight };
    }));
    this.applyMasks();
  }

  outputs(): JsonObject {
    const survivors: { [layer: string]: number[] } = {};
    const nonZeroGroups: { [layer: string]: number } = {};
    const totalGroups: { [layer: string]: number } = {};
    let keptWeights = 0;
    let weights = 0;
    this.kernels.forEach((g, i) => {
      const kept = this.kept[i] ?? new Uint8Array(g.count).fill(1);
      survivors[g.layer] = g.axis === null ? this.unitsWithWeights(g, kept) : maskIndices(kept);
      nonZeroGroups[g.layer] = this.nonZero[i] ?? g.count;
      totalGroups[g.layer] = g.count;
      const perGroup = g.param.weight.size / g.count;
      keptWeights += maskIndices(kept).length * perGroup;
      weights += g.param.weight.size;
    });
    return {
      survivors, nonZeroGroups, totalGroups, finalLambda: this.schedule.lambda, reachedK: this.reachedK,
      weightSparsity: weights ? 1 - keptWeights / weights : 0,
      groups: this.spec.groups, scope: this.spec.scope, k: this.spec.k, penalty: this.spec.penalty,
    };
  }

  dispose(): void {
    for (const m of this.masks ?? []) tf.dispose([m.weight, ...(m.bias ? [m.bias] : [])]);
    this.masks = undefined;
  }

  /** Group norms per kernel (one download for all kernels). */
  private norms(): Float64Array[] {
    const flat = tf.tidy(() => tf.concat(this.kernels.map((g) => {
      const w = g.param.weight;
      if (g.axis === null) return tf.abs(w).reshape([-1]);
      const axes = w.shape.map((_, a) => a).filter((a) => a !== g.axis);
      let sq = tf.sum(tf.square(w), axes);
      if (g.bias) sq = tf.add(sq, tf.square(g.bias));
      return tf.sqrt(sq);
    })));
    const values = flat.dataSync();
    flat.dispose();
    let offset = 0;
    return this.kernels.map((g) => Float64Array.from(values.subarray(offset, (offset += g.count))));
  }

  /** Applies `f` per kernel (scope 'layer') or once over all kernels' groups ('network'). */
  private byScope<T extends Float64Array | Uint8Array>(norms: Float64Array[], f: (norms: Float64Array, k: number) => T): T[] {
    if (this.spec.scope === 'layer') return norms.map((n) => f(n, this.spec.k));
    const all = new Float64Array(norms.reduce((s, n) => s + n.length, 0));
    let offset = 0;
    for (const n of norms) { all.set(n, offset); offset += n.length; }
    const result = f(all, this.spec.k);
    offset = 0;
    return norms.map((n) => result.subarray(offset, (offset += n.length)) as T);
  }

  private scale(g: GroupedKernel, s: tf.Tensor1D): void {
    const w = g.param.weight;
    w.assign(tf.mul(w, g.axis === null ? s.reshape(w.shape) : s.reshape(broadcastShape(g))));
    if (g.bias) g.bias.assign(tf.mul(g.bias, s));
  }

  private applyMasks(): void {
    tf.tidy(() => this.kernels.forEach((g, i) => {
      const m = this.masks![i]!;
      g.param.weight.assign(tf.mul(g.param.weight, m.weight));
      if (g.bias && m.bias) g.bias.assign(tf.mul(g.bias, m.bias));
    }));
  }

  /** Single-weight groups: the output units that keep at least one weight. */
  private unitsWithWeights(g: GroupedKernel, kept: Uint8Array): number[] {
    const shape = g.param.weight.shape;
    const axis = g.param.outputAxis;
    const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const units = new Uint8Array(shape[axis]!);
    for (let i = 0; i < kept.length; i++) if (kept[i]) units[Math.floor(i / stride) % shape[axis]!] = 1;
    return maskIndices(units);
  }
}

/** [1, …, count, …, 1]: the group vector broadcast along its kernel axis. */
function broadcastShape(g: GroupedKernel): number[] {
  return g.param.weight.shape.map((d, a) => (a === g.axis ? d : 1));
}

provideGroupProxMethod(GroupProxMethod);
