import type * as tf from '@tensorflow/tfjs';
import type { MaskedParam } from '../sparse/types.js';
import type { CellType, NetworkPlan, PlanNode } from '../../search/index.js';

export interface ForwardOptions {
  /** Training mode: batch statistics in BN (recorded for the running averages), dropout on. */
  training: boolean;
  /** The weight a masked kernel contributes: the sparse method's `effectiveWeight` (default W ⊙ M). */
  weight?: (param: MaskedParam) => tf.Tensor;
  /**
   * A supernet's mixing weights softmax(α) of a cell type, [edges, ops] (`supernetEdges`
   * order): called inside the forward, so the tape that records it differentiates α.
   */
  alpha?: (type: CellType) => tf.Tensor;
  /**
   * Sparse kernels for this forward (evaluators/network/sparse-kernels.ts): set by the training
   * loop when `weight` is exactly W ⊙ M for the params `eligible` accepts and nobody needs the
   * dense ∂L/∂W_eff (RigL's grow step). A layer then computes W ⊙ M from the mask's non-zeros
   * when the crossover rule prefers it, and adds its name to `ran`. Honoured only while
   * `weight` is the very function given here (a training method's own weights switch it off).
   */
  sparse?: SparseKernelOption;
}

export interface SparseKernelOption {
  weight: (param: MaskedParam) => tf.Tensor;
  eligible(param: MaskedParam): boolean;
  /** The param's N:M structure when its weight is SR-STE's W ⊙ M(W) (`SparseMethod.nmStructure`). */
  nm?(param: MaskedParam): { n: number; m: number; lambda: number } | undefined;
  /** Names of the layers that ran on sparse kernels. */
  ran: Set<string>;
}

/** What accounting needs to know about one planned layer once it is built. */
export interface LayerRecord {
  node: PlanNode;
  /** Masked kernels of the layer: none, one, or two (separable: depthwise then pointwise). */
  kernels: MaskedParam[];
  /** Bias length and how many bias entries a node mask keeps. */
  biasSize: number;
  biasKept: number;
  /** Other trainable parameters (BN γ and β). */
  otherParams: number;
}

export interface NamedTensor {
  /** Logical name, e.g. `dense_0/kernel`, `sep_2.pointwise/kernel`, `bn_1/movingMean`. */
  name: string;
  tensor: tf.Tensor;
}

/**
 * A trainable network built with raw tfjs ops from a plan. Owns every tensor it creates;
 * `dispose()` releases them all.
 */
export interface Network {
  readonly plan: NetworkPlan;
  /** One per sparsifiable kernel, in forward order. */
  readonly params: MaskedParam[];
  /** Every trainable variable: kernels, biases, BN γ/β. */
  readonly trainable: tf.Variable[];
  readonly records: LayerRecord[];
  /** Logits [batch, classes] for a batch [batch, ...inputShape]. */
  apply(x: tf.Tensor, options: ForwardOptions): tf.Tensor;
  /** Fold the BN batch statistics recorded by the last training forward pass into the running averages. */
  commitBatchNorm(): void;
  /** Drop recorded BN statistics without applying them (a step that failed). */
  discardBatchNorm(): void;
  /** Re-apply node masks to weights, masks and biases (after init and after each sparse-method step). */
  enforceStructure(): void;
  /**
   * Every weight as the trained network uses it (kernels through `weight`, i.e. with masks
   * applied), plus biases, BN parameters and running statistics. The caller disposes them.
   */
  namedWeights(weight?: (param: MaskedParam) => tf.Tensor): NamedTensor[];
  /**
   * The inverse of `namedWeights`: set every weight from saved values by name. A kernel's mask
   * becomes its non-zero pattern, so `W ⊙ M` is exactly the saved effective weight. Throws
   * `WEIGHTS_MISMATCH` when a name is missing or a shape differs (weights of another architecture).
   */
  loadWeights(weights: ReadonlyMap<string, { shape: readonly number[]; values: Float32Array }>): void;
  dispose(): void;
}
