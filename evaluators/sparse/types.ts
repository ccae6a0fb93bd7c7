import type * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../search/index.js';
import type { SparsitySpec } from '../../search/index.js';

/**
 * The contract between the network builder (evaluators/network) and the sparse-training
 * methods (evaluators/sparse). The builder creates one `MaskedParam` per sparsifiable
 * kernel; the forward pass asks the method for the effective weight; the training loop
 * calls the hooks around every optimiser step.
 *
 * Layouts (tfjs): Dense kernel [in, out]; Conv2D kernel [kh, kw, inC, outC];
 * depthwise kernel [kh, kw, inC, multiplier].
 */
export interface MaskedParam {
  /** Unique layer name, e.g. `dense_1`, `conv_0`, `sep_2.pointwise`. */
  readonly name: string;
  readonly layerType: 'dense' | 'conv2d' | 'depthwiseConv2d';
  /** `first` and `classifier` can be kept dense (SparsitySpec.keepFirstDense/keepLastDense). */
  readonly role: 'first' | 'hidden' | 'classifier';
  /** Dense trainable weights W. */
  readonly weight: tf.Variable;
  /** Binary mask M (float32 0/1), same shape as W, not trainable. */
  readonly mask: tf.Variable;
  /** Axis of input channels ("along input channels": 0 dense, 2 conv) and of output units/filters. */
  readonly inputAxis: number;
  readonly outputAxis: number;
  /** Output positions per sample (h_out·w_out for conv, 1 for dense): FLOPs = 2·nnz·positions. */
  readonly outputPositions: number;
  /**
   * Per-layer override from the architecture (`LayerSpec.sparsity`), set by the builder when the
   * layer has one. It wins over keepFirstDense/keepLastDense and over the distribution, and the
   * layer is left out of the ERK/uniform budget (as RigL's `custom_sparsity_map`).
   */
  readonly sparsityOverride?: number;
  /**
   * Final sparsity this layer must reach; written by `SparseMethod.init` from the distribution
   * (uniform/ERK), keepFirstDense/keepLastDense or `sparsityOverride`; 0 = dense.
   */
  targetSparsity: number;
}

export interface SparseStepContext {
  /** 1-based global optimiser step. */
  step: number;
  /** Total optimiser steps of the run (epochs × steps per epoch). */
  totalSteps: number;
  learningRate: number;
}

/**
 * A sparse-training method for one trial (static, GMP, RigL, SET, SR-STE N:M, group).
 * Created per trial; owns no tensors after `dispose`.
 */
export interface SparseMethod {
  /** Called once after the network is built: assign target sparsities, set initial masks, zero masked weights. */
  init(params: readonly MaskedParam[], spec: SparsitySpec, rng: Rng, totalSteps: number): void;
  /**
   * The weight used by the forward pass, called inside the loss function (under the gradient tape).
   * Plain methods return `W ⊙ M`; N:M methods recompute M from W and use a straight-through
   * gradient (`tf.customGrad`), adding SR-STE's λ_w·(1 − M) ⊙ W to ∂L/∂W.
   */
  effectiveWeight(param: MaskedParam): tf.Tensor;
  /**
   * True when `effectiveWeight(param)` is exactly `param.weight ⊙ param.mask` with plain
   * gradients (∂L/∂W = ∂L/∂W_eff ⊙ M): sparse kernels may then compute the layer from the
   * mask's non-zeros. Omitted: never (SR-STE's straight-through estimator, custom weights).
   */
  plainMask?(param: MaskedParam): boolean;
  /**
   * The N:M structure of `param` when `effectiveWeight(param)` is SR-STE's W ⊙ M(W) (mask
   * recomputed from W in every forward, straight-through gradient with λ_w): the N:M kernels
   * may then run the layer. Omitted or undefined: never.
   */
  nmStructure?(param: MaskedParam): { n: number; m: number; lambda: number } | undefined;
  /**
   * True when the method needs the dense gradient ∂L/∂W_eff at this step (RigL's grow step);
   * the loop then passes it to `afterStep`.
   */
  wantsDenseGradient(ctx: SparseStepContext): boolean;
  /**
   * Called after every optimiser step: re-apply masks (W ← W ⊙ M), prune (GMP), drop/grow (RigL/SET).
   * `denseGradients` maps param name → ∂L/∂W_eff when `wantsDenseGradient` was true. Tensors passed in
   * are owned by the caller. `maskedByStep` names params whose optimiser step touched only the
   * mask's non-zeros (evaluators/sparse-optimizer.ts), so W is already exactly W ⊙ M: a method
   * may skip re-masking those whose mask it did not change.
   */
  afterStep(params: readonly MaskedParam[], ctx: SparseStepContext, denseGradients?: ReadonlyMap<string, tf.Tensor>, maskedByStep?: ReadonlySet<string>): void;
  /**
   * Whether this step's forward pass (`effectiveWeight`) and `afterStep` read weights, masks
   * or dense gradients on the host (`dataSync`). A backend that cannot read synchronously
   * (webgpu in Node) downloads them first, only at such steps. Omitted: both, every step.
   */
  hostReads?(ctx: SparseStepContext): HostReads;
  dispose(): void;
}

export interface HostReads {
  forward: boolean;
  afterStep: boolean;
}
