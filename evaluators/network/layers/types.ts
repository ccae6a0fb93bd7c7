import type * as tf from '@tensorflow/tfjs';
import type { LayerSpec, PlanNode } from '../../../search/index.js';
import type { MaskedParam } from '../../sparse/types.js';
import type { ForwardOptions } from '../types.js';

/**
 * The tfjs side of a layer type: how the raw-op network computes it with masked kernels, and
 * how the tf.layers export writes it. One per type in `evaluators/network/layers/<type>.ts`,
 * beside the type's pure descriptor in `search/layers/<type>.ts` (shapes, weights, FLOPs).
 */
export interface LayerBuilder<S extends LayerSpec = LayerSpec> {
  readonly type: S['type'];
  /** Create the layer's tensors through `ctx` (never directly) and return its forward pass. */
  build(node: PlanNode<S>, ctx: BuildContext): Forward;
  /** Apply the equivalent tf.layers layer(s) to `x`, registering the saved weights they take. */
  export(node: PlanNode<S>, x: tf.SymbolicTensor, ctx: ExportContext): tf.SymbolicTensor;
}

export type Forward = (x: tf.Tensor, options: BuiltForwardOptions) => tf.Tensor;
/** The forward options inside a network: the effective weight of a kernel is always given. */
export type BuiltForwardOptions = ForwardOptions & { weight: WeightOf };
export type WeightOf = (param: MaskedParam) => tf.Tensor;

export interface Kernel {
  param: MaskedParam;
  /** The kernel the forward pass uses: the method's effective weight, times the node mask. */
  value(weight: WeightOf): tf.Tensor;
}

export interface BuildContext {
  /**
   * The masked kernel the descriptor lists under `suffix`: shape, fan and output positions come
   * from the descriptor, so what is built is what is counted. Weights into removed input nodes
   * (`node.removedIn`) and out of `removedOut` are fixed at zero; `depthwise` reads output node
   * r of a [kh, kw, C, mult] kernel as (r / mult, r % mult).
   */
  kernel(node: PlanNode, suffix: string, removedOut?: readonly number[], depthwise?: boolean): Kernel;
  /** Adds the layer's bias when its descriptor lists one (the identity otherwise); `removed` entries stay zero. */
  bias(node: PlanNode, removed?: readonly number[]): BiasAdd;
  /** A trainable tensor the descriptor lists under `suffix` that is not a kernel or bias (BN γ, β). */
  parameter(node: PlanNode, suffix: string, init: tf.Tensor): tf.Variable;
  /** A saved, non-trainable tensor `<layer>/<suffix>` (BN running statistics). */
  state(node: PlanNode, suffix: string, init: tf.Tensor): tf.Variable;
  /** Queue a BN running-average update for `commitBatchNorm` (the caller keeps the batch tensors alive). */
  batchStatistics(update: BatchStatistics): void;
  /** The forward pass of a planned chain (a composite layer's children). */
  chain(nodes: readonly PlanNode[]): Forward;
  /** A fresh seed from the network's dropout stream (call it per forward pass). */
  dropoutSeed(): number;
}

/** Adds a layer's bias; `tensor` gives the bias itself (masked) for kernels that fuse it, absent without a bias. */
export type BiasAdd = ((y: tf.Tensor) => tf.Tensor) & { tensor?: () => tf.Tensor };

export interface BatchStatistics {
  mean: tf.Variable;
  variance: tf.Variable;
  batchMean: tf.Tensor;
  batchVariance: tf.Tensor;
}

export interface ExportContext {
  /** Apply a planned chain (a composite layer's children); an empty chain is the identity. */
  chain(nodes: readonly PlanNode[], x: tf.SymbolicTensor): tf.SymbolicTensor;
  /**
   * Set `layer`'s weights, in its getWeights() order, from the saved weights of these names once
   * the model is built; `dilate` spreads the first one's taps (an explicitly dilated filter).
   */
  load(layer: tf.layers.Layer, names: string[], dilate?: number): void;
}
