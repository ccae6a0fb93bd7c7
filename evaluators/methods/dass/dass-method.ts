import * as tf from '@tensorflow/tfjs';
import {
  alphaEntropy, createRng, deriveGenotype, deriveSeed, supernetEdges, supernetOps, SparsenasError,
  type AlphaLogits, type CellsLayer, type CellType, type DartsOp, type JsonObject, type PlanNode,
} from '../../../search/index.js';
import { correctCount } from '../../batches.js';
import type { ForwardOptions, Network } from '../../network/types.js';
import { learningRateAt, setLearningRate } from '../../optimizer.js';
import type { MaskedParam } from '../../sparse/types.js';
import type { Batch, MethodSetup, MethodStepContext, MethodTools, StepOutcome, TrainingMethod } from '../types.js';
import { provideDassMethod } from './factory.js';
import { parseDassMethodOptions, type DassMethodOptions } from './method-options.js';
import { initialScores, keptCount, straightThroughWeight, tieRanks, topKMask } from './sparse-scores.js';

/**
 * The phase of an epoch: dense pretraining of W (and α), score training with W fixed (the
 * masks move), fine-tuning of W (and α) with the masks fixed; `dense` is a search without
 * pruning (DARTS, option `prune: false`).
 */
export type DassPhase = 'pretrain' | 'prune' | 'finetune' | 'dense';

const CELL_TYPES: readonly CellType[] = ['normal', 'reduce'];

/** The supernet cells of a plan (every `cells` layer with `supernet`), searched or not. */
function supernetOf(net: Network): { nodes: number; ops: DartsOp[] } | undefined {
  const found: { nodes: number; ops: DartsOp[] }[] = [];
  const walk = (nodes: readonly PlanNode[]) => {
    for (const n of nodes) {
      if (n.spec.type === 'cells' && (n.spec as CellsLayer).supernet) {
        const s = (n.spec as CellsLayer).supernet!;
        found.push({ nodes: s.nodes, ops: supernetOps(s) });
      }
      for (const c of Object.values(n.children ?? {})) walk(c);
    }
  };
  walk(net.plan.nodes);
  if (found.length > 1 && found.some((f) => f.nodes !== found[0]!.nodes || f.ops.join() !== found[0]!.ops.join())) {
    throw new SparsenasError('TRAINING_METHOD_INVALID', 'training method dass: the network has supernet cells layers of different nodes or ops; they would need α of different shapes');
  }
  return found[0];
}

/**
 * DASS (Mousavi et al. 2022) for one trial. On a supernet (a `cells` layer with `supernet`),
 * every edge is Σ_o softmax(α_type,e)_o·o(x), α initialised 1e-3·N(0,1), and before every W or
 * S step one first-order α step (Adam) on a validation batch with the loss of the **masked**
 * supernet, L_val(W ⊙ M(S), α). α is stepped only from that loss: it is never in the loop's
 * trainable set (the released code also lets the weight optimiser move α; we do not). On any
 * network (a derived cell too) every masked kernel follows HYDRA's pipeline: pretrain W dense,
 * then train only the scores S (mask = top-k |S| per layer, straight-through to S, S
 * initialised sqrt(6/fan_in)·W/max|W| when pruning starts), then fine-tune W with the mask fixed.
 * Each phase is its own run, as in the released code (DASS/train_search.py builds a new optimiser
 * and a new CosineAnnealingLR over each phase; HYDRA runs each phase as a separate train.py): the
 * learning-rate schedule (`training.lrSchedule`) restarts at every phase boundary, the scores have
 * their own optimiser, and fine-tuning starts a fresh optimiser for W (no moments carried over
 * from pretraining).
 */
export class DassMethod implements TrainingMethod {
  readonly options: DassMethodOptions;
  /** α logits per cell type, [edges, ops]; absent on a network without supernet cells. */
  readonly alpha?: Record<CellType, tf.Variable>;
  readonly ops: DartsOp[] = [];
  phase: DassPhase;
  /** α logits after each epoch (what `epochEnded` reported). */
  readonly alphaHistory: AlphaLogits[] = [];
  private readonly net: Network;
  private readonly tools: MethodTools;
  private readonly seed: number;
  private readonly alphaOptimizer?: tf.Optimizer;
  private readonly validation?: () => Batch;
  private readonly scores = new Map<MaskedParam, tf.Variable>();
  private readonly ranks = new Map<MaskedParam, Uint32Array>();
  /** The scores' optimiser (the loop's kind and rate): tfjs optimisers hold their slots by position, so the loop's cannot switch from W to S and back. */
  private scoreOptimizer?: tf.Optimizer;
  /** W's optimiser while fine-tuning: a fresh one (the loop's carries pretraining's moments). */
  private finetuneOptimizer?: tf.Optimizer;
  private readonly training: MethodSetup['training'];
  /** Optimiser steps per epoch (the loop's `ceil(train / batch)`). */
  private readonly stepsPerEpoch: number;
  private readonly totalSteps: number;
  /** This step's learning rate on the schedule of its phase (set in `beforeStep`). */
  private phaseLearningRate: number;
  private fixed = false;
  private alphaSteps = 0;

  constructor(setup: MethodSetup) {
    this.options = parseDassMethodOptions(setup.options, setup.training);
    this.net = setup.net;
    this.tools = setup.tools;
    this.seed = setup.seed;
    this.training = setup.training;
    this.totalSteps = setup.totalSteps;
    this.stepsPerEpoch = Math.max(1, Math.ceil(setup.dataset.train.count / setup.training.batchSize));
    this.phaseLearningRate = setup.training.learningRate;
    this.phase = this.phaseOf(1);
    const sparse = setup.net.params.find((p) => p.targetSparsity > 0);
    if (sparse) throw new SparsenasError('TRAINING_METHOD_INVALID', `training method dass prunes the kernels itself (options.sparsity), but the architecture's sparse method already makes ${sparse.name} ${sparse.targetSparsity} sparse; set architecture.sparsity.level to 0`);
    const supernet = supernetOf(setup.net);
    if (supernet) {
      this.ops = supernet.ops;
      const rows = supernetEdges(supernet.nodes).length;
      const rng = createRng(deriveSeed(setup.seed, 'dass', 'alpha'));
      const init = () => Float32Array.from({ length: rows * this.ops.length }, () => 1e-3 * rng.normal());
      // Trainable for tf.variableGrads; never in the loop's trainable set (only the α step moves them).
      this.alpha = { normal: alphaVariable(init(), rows, this.ops.length), reduce: alphaVariable(init(), rows, this.ops.length) };
      const a = this.options.alpha;
      this.alphaOptimizer = tf.train.adam(a.learningRate, a.beta1, a.beta2, 1e-8);
      this.validation = setup.tools.batches('validation', this.options.alphaBatchSize ?? setup.training.batchSize, 'alpha');
    }
  }

  /** The phase of 1-based `epoch`. */
  phaseOf(epoch: number): DassPhase {
    const o = this.options;
    if (!o.prune) return 'dense';
    if (epoch <= o.pretrainEpochs) return 'pretrain';
    if (epoch <= o.pretrainEpochs + o.pruneEpochs) return 'prune';
    return 'finetune';
  }

  /** The epochs [first, last] (1-based) of the phase `epoch` belongs to. */
  phaseEpochs(epoch: number): [number, number] {
    const o = this.options;
    if (!o.prune) return [1, this.lastEpoch()];
    const ends = [o.pretrainEpochs, o.pretrainEpochs + o.pruneEpochs, this.lastEpoch()];
    let first = 1;
    for (const end of ends) {
      if (epoch <= end) return [first, end];
      first = end + 1;
    }
    return [first, Math.max(first, epoch)];
  }

  /**
   * The learning rate of global step `step` (1-based) in `epoch`: the trial's schedule
   * (`training.lrSchedule`, cosine or constant) run over the steps of that epoch's phase alone,
   * restarting at each phase boundary (the released code's per-phase CosineAnnealingLR).
   */
  learningRateFor(step: number, epoch: number): number {
    const [first, last] = this.phaseEpochs(epoch);
    const start = (first - 1) * this.stepsPerEpoch;
    const end = Math.min(last * this.stepsPerEpoch, this.totalSteps);
    return learningRateAt(this.training, step - start, Math.max(1, end - start));
  }

  /**
   * The W or S step on the loop's batch: W (every trainable variable of the network, never α)
   * with the loop's optimiser while pretraining and fine-tuning, only the scores with their
   * own optimiser while pruning; clipping and weight decay as the loop's step.
   */
  step(batch: Batch, ctx: MethodStepContext): StepOutcome {
    const pruning = this.phase === 'prune';
    const vars = pruning ? [...this.scores.values()] : this.net.trainable;
    const forward = this.forwardOptions({ training: true, weight: (p) => tf.mul(p.weight, p.mask) });
    let hits: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const logits = this.net.apply(batch.x, forward);
      hits = tf.keep(correctCount(logits, batch.labels));
      return tf.losses.softmaxCrossEntropy(batch.y, logits) as tf.Scalar;
    }, vars);
    try {
      let optimizer = ctx.optimizer;
      if (pruning) optimizer = this.scoreOptimizer ??= this.tools.optimizer();
      else if (this.phase === 'finetune') optimizer = this.finetuneOptimizer ??= this.tools.optimizer();
      setLearningRate(optimizer, this.phaseLearningRate);
      this.tools.applyGradients(optimizer, grads);
      return { loss: value.dataSync()[0]!, correct: hits!.dataSync()[0]! };
    } finally {
      tf.dispose([value, hits, ...Object.values(grads)]);
    }
  }

  forwardOptions(base: ForwardOptions): ForwardOptions {
    const out: ForwardOptions = { ...base };
    if (this.phase === 'prune') out.weight = (p) => straightThroughWeight(p.weight, this.scores.get(p)!, p.mask);
    else if (this.fixed) out.weight = (p) => tf.mul(p.weight, p.mask);
    if (this.alpha) out.alpha = (type) => tf.softmax(this.alpha![type]);
    return out;
  }

  beforeStep(ctx: MethodStepContext): void {
    this.enterPhase(this.phaseOf(ctx.epoch));
    this.phaseLearningRate = this.learningRateFor(ctx.step, ctx.epoch);
    setLearningRate(ctx.optimizer, this.phaseLearningRate);
    if (this.alpha) this.alphaStep();
  }

  afterStep(): void {
    if (this.phase === 'prune') this.updateMasks();
    // The sparse method sees a dense layer (target 0) and would not re-mask: W ← W ⊙ M here.
    else if (this.fixed) for (const p of this.net.params) tf.tidy(() => p.weight.assign(tf.mul(p.weight, p.mask)));
  }

  epochEnded(epoch: number): JsonObject {
    // The last epoch fixes the masks, whatever the phases were (no fine-tune: after the scores).
    if (epoch === this.lastEpoch() && this.options.prune && !this.fixed) this.fix();
    const out: JsonObject = { phase: this.phase, maskedFraction: this.maskedFraction() };
    if (this.alpha) {
      const alpha = this.alphaLogits();
      this.alphaHistory.push(alpha);
      out['alphaEntropy'] = alphaEntropy(alpha);
      out['genotype'] = deriveGenotype(alpha, this.ops) as unknown as JsonObject;
      out['alpha'] = alpha as unknown as JsonObject;
      out['alphaSteps'] = this.alphaSteps;
    }
    return out;
  }

  outputs(): JsonObject {
    const o = this.options;
    const out: JsonObject = {
      sparsity: o.prune ? o.sparsity : 0, maskedFraction: this.maskedFraction(),
      phases: { pretrain: o.pretrainEpochs, prune: o.pruneEpochs, finetune: o.finetuneEpochs, prunedDuringSearch: o.prune },
    };
    if (this.alpha) {
      const alpha = this.alphaLogits();
      out['alpha'] = alpha as unknown as JsonObject;
      out['ops'] = [...this.ops];
      out['alphaEntropy'] = alphaEntropy(alpha);
      out['genotype'] = deriveGenotype(alpha, this.ops) as unknown as JsonObject;
    }
    return out;
  }

  dispose(): void {
    if (this.alpha) tf.dispose([this.alpha.normal, this.alpha.reduce]);
    this.alphaOptimizer?.dispose();
    this.scoreOptimizer?.dispose();
    this.finetuneOptimizer?.dispose();
    tf.dispose([...this.scores.values()]);
    this.scores.clear();
    this.ranks.clear();
  }

  /** α logits as plain arrays. */
  alphaLogits(): AlphaLogits {
    const rows = (v: tf.Variable) => v.arraySync() as number[][];
    return { normal: rows(this.alpha!.normal), reduce: rows(this.alpha!.reduce) };
  }

  /** The scores of a kernel (during pruning). */
  scoresOf(p: MaskedParam): tf.Variable | undefined {
    return this.scores.get(p);
  }

  private lastEpoch(): number {
    const o = this.options;
    return o.pretrainEpochs + o.pruneEpochs + o.finetuneEpochs;
  }

  /** Moves to `phase` (scores and masks when pruning starts, fixed masks when fine-tuning starts); the loop calls it before each step. */
  enterPhase(phase: DassPhase): void {
    if (phase === 'prune' && this.scores.size === 0 && !this.fixed) this.startPruning();
    if (phase === 'finetune' && !this.fixed) this.fix();
    this.phase = phase;
  }

  /** Scores from the pretrained weights, masks from the scores. */
  private startPruning(): void {
    for (const p of this.net.params) {
      if (!this.scores.has(p)) {
        const s = initialScores(p);
        this.scores.set(p, tf.variable(s, true));
        s.dispose();
        this.ranks.set(p, tieRanks(this.seed, p.name, p.weight.size));
      }
    }
    this.updateMasks();
  }

  /** M ← top-k(|S|) per layer, exactly keptCount ones, into each kernel's mask. */
  private updateMasks(): void {
    for (const [p, s] of this.scores) {
      const keep = keptCount(p.weight.size, this.options.sparsity);
      const mask = topKMask(s.dataSync() as Float32Array, keep, this.ranks.get(p)!);
      tf.tidy(() => p.mask.assign(tf.tensor(mask, p.mask.shape)));
    }
  }

  /** The masks become final: W ← W ⊙ M, the scores are released. */
  private fix(): void {
    if (this.scores.size === 0) this.startPruning();
    for (const p of this.net.params) tf.tidy(() => p.weight.assign(tf.mul(p.weight, p.mask)));
    tf.dispose([...this.scores.values()]);
    this.scores.clear();
    this.ranks.clear();
    this.fixed = true;
  }

  /** One first-order α step on a validation batch, with the supernet as the current phase masks it. */
  private alphaStep(): void {
    const batch = this.validation!();
    try {
      const vars = [this.alpha!.normal, this.alpha!.reduce];
      const { loss, grads } = this.tools.gradients(batch, vars);
      const wd = this.options.alpha.weightDecay;
      tf.tidy(() => {
        const g: tf.NamedTensorMap = {};
        for (const v of vars) g[v.name] = wd > 0 ? tf.add(grads[v.name]!, tf.mul(v, wd)) : grads[v.name]!;
        this.alphaOptimizer!.applyGradients(g);
      });
      tf.dispose([loss, ...Object.values(grads)]);
      this.alphaSteps++;
    } finally {
      tf.dispose([batch.x, batch.y, batch.labels]);
    }
  }

  /** Fraction of zeros in the masks of every masked kernel. */
  private maskedFraction(): number {
    let zeros = 0, size = 0;
    for (const p of this.net.params) {
      const m = p.mask.dataSync();
      size += m.length;
      for (let i = 0; i < m.length; i++) if (m[i] === 0) zeros++;
    }
    return size ? zeros / size : 0;
  }
}

function alphaVariable(values: Float32Array, rows: number, ops: number): tf.Variable {
  const t = tf.tensor2d(values, [rows, ops]);
  const v = tf.variable(t, true);
  t.dispose();
  return v;
}

provideDassMethod((setup) => new DassMethod(setup));
