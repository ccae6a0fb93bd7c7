import type * as tf from '@tensorflow/tfjs';
import type { JsonObject, TrainingConfig } from '../../search/index.js';
import type { Dataset } from '../data/types.js';
import type { ForwardOptions, Network } from '../network/types.js';
import type { SparseStepContext } from '../sparse/types.js';

/** One batch of a split: inputs [n, ...shape], one-hot targets and integer labels. */
export interface Batch {
  x: tf.Tensor;
  y: tf.Tensor2D;
  labels: tf.Tensor1D;
}

/** Where the training loop is when it calls a step hook. */
export interface MethodStepContext extends SparseStepContext {
  /** 1-based epoch the step belongs to. */
  epoch: number;
  /**
   * The loop's optimiser (`training.optimizer`), this step's `learningRate` already set. A
   * replaced `step` may update the network's weights with it (`tools.applyGradients`), so a
   * method keeps the loop's optimiser state and schedule; variables the method owns (α) get an
   * optimiser of their own (`tools.optimizer`). Owned by the loop: never dispose it.
   */
  optimizer: tf.Optimizer;
}

/** What a method's own `step` returns: the batch's mean loss and number of correct predictions. */
export interface StepOutcome {
  loss: number;
  correct: number;
}

/** Splits a method can draw batches from; `validation` is the split the weight steps never see. */
export type MethodSplit = 'train' | 'validation';

/**
 * What the training loop lends a method, valid from `create` to `dispose`. Every forward goes
 * through the network as the loop runs it: the sparse method's effective weights, then the
 * method's own `forwardOptions` (a supernet's masked weights and architecture weights).
 */
export interface MethodTools {
  /** Softmax cross-entropy of `batch`; call it inside `tf.tidy` or `tf.variableGrads`. */
  loss(batch: Batch, training: boolean): tf.Scalar;
  /**
   * ∂loss/∂v for each of `variables` on `batch`, with a training-mode forward, changing nothing:
   * no variable is updated and the BN statistics that forward recorded are discarded (what a
   * DARTS α step on a validation batch needs). The caller disposes `loss` and `grads`. With
   * `countCorrect`, `correct` is the batch's number of correct predictions of that same forward
   * (read back, a plain number), for a replaced `step`'s `StepOutcome`.
   */
  gradients(batch: Batch, variables: readonly tf.Variable[], options?: { countCorrect?: boolean }): { loss: tf.Scalar; grads: tf.NamedTensorMap; correct?: number };
  /**
   * An endless stream of batches of `split`: shuffled once per pass with a seed derived from
   * the trial seed and `stream`, so streams are independent of each other and of the loop's
   * own batch order, and a trial reproduces. The caller disposes each batch.
   */
  batches(split: MethodSplit, batchSize: number, stream: string): () => Batch;
  /**
   * A new optimiser for the method's own variables: `training.optimizer` with `overrides`
   * (e.g. `{ optimizer: 'adam', learningRate: 3e-4 }` for DARTS' α). Its learning rate stays
   * as created (no schedule). The method owns it and disposes it in `dispose`.
   */
  optimizer(overrides?: Partial<Pick<TrainingConfig, 'optimizer' | 'learningRate' | 'momentum' | 'nesterov'>>): tf.Optimizer;
  /**
   * Applies `grads` (by variable name) with `optimizer` as the loop's step does: global
   * grad-norm clipping (`training.gradClipNorm`) and weight decay on the network's kernels
   * (`training.weightDecay`) unless `regularise` is false (an α step). Disposes what it creates,
   * never `grads`.
   */
  applyGradients(optimizer: tf.Optimizer, grads: tf.NamedTensorMap, options?: { regularise?: boolean }): void;
}

/** What a factory gets to create the method of one trial. */
export interface MethodSetup {
  /** `training.method.options`, plain JSON: validate it and throw an error naming the key. */
  options: JsonObject;
  /** Built, with the sparse method's initial masks applied. */
  net: Network;
  /** The trial's training: the definition's, with the candidate's overrides. */
  training: TrainingConfig;
  dataset: Dataset;
  /** The trial seed; derive the method's random streams from it (`deriveSeed(seed, '<name>', …)`). */
  seed: number;
  /** Optimiser steps the loop will run (`plannedSteps`). */
  totalSteps: number;
  tools: MethodTools;
}

/**
 * A training method of one trial (WGSEF, group lasso; a DASS supernet): the training loop
 * (evaluators/train.ts) calls its optional hooks around its own optimiser steps. Call order:
 *
 *   create
 *   per epoch e = 1…E:
 *     per step:  beforeStep → (step | the loop's step: forwardOptions, trainable, update) → afterStep
 *     epochEnded(e) → validation pass (forwardOptions) → reporter.epochEnded (may prune the trial)
 *   outputs                                  (only when training finished)
 *   dispose                                  (always: also after a failure, a prune or an abort)
 *
 * The loop's step: forward with `forwardOptions`, softmax cross-entropy, gradients of the
 * `trainable` variables, gradient clipping and weight decay, the loop's optimiser
 * (`training.optimizer`), BN statistics committed, the sparse method's `afterStep`, node masks.
 * Variables and optimisers a method creates are its own; it disposes them in `dispose`.
 */
export interface TrainingMethod {
  /**
   * Before every step: the variables the loop's optimiser differentiates and updates in this
   * step. `base` is every trainable variable of the network (kernels, biases, BN γ/β); return it
   * unchanged, a part of it (a phase that freezes the weights) or more (scores the method owns).
   * Variables the method steps itself (architecture weights, with its own optimiser) must not
   * be returned. Default: `base`.
   */
  trainable?(base: readonly tf.Variable[], ctx: MethodStepContext): readonly tf.Variable[];
  /**
   * At every forward the loop runs (each step, each evaluation pass, `tools.loss`): the options
   * the loop would use (`weight` = the sparse method's effective weight) in, the ones to use
   * out. A sparse supernet returns its own `weight` (W ⊙ M(S)) and its architecture weights.
   */
  forwardOptions?(base: ForwardOptions): ForwardOptions;
  /**
   * Before every step, before the training batch's forward: e.g. a DARTS/DASS α step on a
   * batch of `tools.batches('validation', …)` with `tools.gradients` and its own optimiser.
   */
  beforeStep?(ctx: MethodStepContext): void | Promise<void>;
  /**
   * Instead of the loop's step, when defined: compute the loss on `batch` and update what the
   * method trains, with the loop's optimiser (`ctx.optimizer`) and/or its own (the batch
   * belongs to the loop). Everything a one-shot step needs is at hand: the network
   * (`MethodSetup.net`), batches of the validation split (`tools.batches`), gradients that
   * change nothing (`tools.gradients`), the step index (`ctx.step` of `ctx.totalSteps`). The loop then commits
   * the BN statistics recorded by the step's training-mode forwards, and runs the sparse
   * method's `afterStep` (without dense gradients: RigL cannot run under a replaced step), the
   * node masks and `afterStep`.
   */
  step?(batch: Batch, ctx: MethodStepContext): StepOutcome | Promise<StepOutcome>;
  /**
   * After every step (the loop's or `step`), after the sparse method's `afterStep` and the node
   * masks: e.g. WGSEF's proximal step θ ← prox_{η·λ·R}(θ).
   */
  afterStep?(ctx: MethodStepContext): void;
  /**
   * After the last step of epoch `epoch` (1-based), before its validation pass, so validation
   * sees what it changes (WGSEF projects onto the top-k groups here). Returns the epoch's
   * outputs (plain JSON: a phase, a λ, an α entropy, a genotype), stored with the epoch
   * (`EpochMetrics.outputs`) and carried by `trial.epochEnded`.
   */
  epochEnded?(epoch: number): JsonObject | undefined;
  /** Once, after the last epoch of a trial that finished training: `Metrics.outputs` (survivors, a genotype). */
  outputs?(): JsonObject;
  /** Releases every tensor, variable and optimiser the method created. */
  dispose(): void;
}

/**
 * Creates the method of a trial whose `training.method.name` is `name`. Bound in the container
 * under `TrainingMethodFactory` (evaluators/methods/module.ts); the tfjs evaluator trains the
 * ones bound there and declares their names in `EvaluatorInfo.trainingMethods`.
 */
export interface TrainingMethodFactory {
  readonly name: string;
  /** One line, for listings. */
  readonly description: string;
  source?: string;
  /**
   * Called once per trial, after the network is built and the sparse method has set its
   * initial masks, before the first step. Throws (naming the option) on bad options: the
   * trial then fails before training.
   */
  create(setup: MethodSetup): TrainingMethod;
}
export const TrainingMethodFactory = Symbol.for('sparsenas.TrainingMethodFactory');
