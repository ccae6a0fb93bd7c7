import type { JsonObject } from './json.js';
import type { ActivationLayer } from './layers/activation.js';
import type { BatchNormLayer } from './layers/batch-norm.js';
import type { CellsLayer } from './layers/cells.js';
import type { Conv2DLayer } from './layers/conv2d.js';
import type { DenseLayer } from './layers/dense.js';
import type { DepthwiseConv2DLayer } from './layers/depthwise-conv2d.js';
import type { DropoutLayer } from './layers/dropout.js';
import type { FactorizedReduceLayer } from './layers/factorized-reduce.js';
import type { FlattenLayer } from './layers/flatten.js';
import type { GlobalAvgPoolLayer } from './layers/global-avg-pool.js';
import type { PoolLayer } from './layers/pool.js';
import type { SeparableConv2DLayer } from './layers/separable-conv2d.js';
import type { SumLayer } from './layers/sum.js';
import type { ZeroLayer } from './layers/zero.js';

/**
 * Plain-JSON architectures: what a space's `freeze(sample)` returns, what strategies may
 * transform, what the evaluator builds with tfjs. Nothing here knows tfjs.
 *
 * The input layer and the classifier head are not listed: the evaluator adapts the
 * network to the dataset (input shape, number of classes) and appends a dense classifier
 * (role `classifier`). Layers are applied in order; `sum` and `branches` express
 * Sparse-IFT's parallel and doped transforms, `cells` a DARTS cell network.
 */
export type Activation = 'relu' | 'gelu' | 'tanh' | 'sigmoid' | 'elu' | 'swish' | 'linear';

export interface LayerCommon {
  /** Optional stable name (used in per-layer statistics). */
  name?: string;
  /** Per-layer sparsity override in [0, 1); 0 keeps the layer dense. */
  sparsity?: number;
  /**
   * Indices of the nodes (units or output channels) kept by a node mask; the others are
   * removed together with their incoming and outgoing weights (random-baseline).
   */
  keepNodes?: number[];
}

export type { DenseLayer } from './layers/dense.js';
export type { Conv2DLayer } from './layers/conv2d.js';
export type { DepthwiseConv2DLayer } from './layers/depthwise-conv2d.js';
export type { SeparableConv2DLayer } from './layers/separable-conv2d.js';
export type { PoolLayer } from './layers/pool.js';
export type { GlobalAvgPoolLayer } from './layers/global-avg-pool.js';
export type { FlattenLayer } from './layers/flatten.js';
export type { BatchNormLayer } from './layers/batch-norm.js';
export type { ActivationLayer } from './layers/activation.js';
export type { DropoutLayer } from './layers/dropout.js';
export type { SumLayer } from './layers/sum.js';
export type { ZeroLayer } from './layers/zero.js';
export type { FactorizedReduceLayer } from './layers/factorized-reduce.js';
export type { CellsLayer } from './layers/cells.js';

/**
 * Every layer type. Each is declared, with its defaults, shapes, weights and FLOPs, in its own
 * file of the layer registry (`search/layers/<type>.ts`, see docs/layers.md).
 */
export type LayerSpec =
  | DenseLayer | Conv2DLayer | DepthwiseConv2DLayer | SeparableConv2DLayer
  | PoolLayer | GlobalAvgPoolLayer | FlattenLayer | BatchNormLayer | ActivationLayer | DropoutLayer | SumLayer
  | ZeroLayer | FactorizedReduceLayer | CellsLayer;

export type SparsityKind = 'unstructured' | 'n:m' | 'group';
export type SparseMethod = 'static' | 'gmp' | 'rigl' | 'set' | 'srste';
export type GroupUnit = 'neuron' | 'filter' | 'channel' | 'weight';

export interface SparsitySpec {
  /** Target fraction of zero weights in the sparsifiable layers, in [0, 0.98]. */
  level: number;
  kind: SparsityKind;
  method: SparseMethod;
  /** How the initial mask is chosen. */
  init: 'magnitude' | 'random';
  /** How the global level is spread over layers. */
  distribution: 'uniform' | 'erk';
  /** N:M pattern (kind 'n:m'): keep n of every m weights along the input-channel axis. */
  n?: number;
  m?: number;
  /** SR-STE decay λ_w (kind 'n:m'); 0 is plain STE. Default 2e-4. */
  srsteLambda?: number;
  /** Group unit (kind 'group'). */
  group?: GroupUnit;
  keepFirstDense?: boolean;
  keepLastDense?: boolean;
  /** RigL/SET: steps between topology updates (ΔT, default 100), initial drop fraction (0.3), stop at this fraction of training (0.75). */
  updateEvery?: number;
  dropFraction?: number;
  updateEndFraction?: number;
  /** GMP: schedule in fractions of total steps, initial sparsity, pruning frequency in steps. */
  gmpStart?: number;
  gmpEnd?: number;
  gmpInitial?: number;
  gmpEvery?: number;
}

/** A whole candidate network. */
export interface Architecture {
  /** Which family built it (`mlp`, `cnn`, `darts`, or a plugin's). */
  family: string;
  /** 'flat' inputs are flattened vectors; 'image' keeps [h, w, c]. */
  input: 'flat' | 'image';
  layers: LayerSpec[];
  sparsity: SparsitySpec;
  /** Free-form extras a family or transform needs (e.g. a DARTS genotype, a Sparse-IFT family). */
  meta?: JsonObject;
}

export const DENSE_SPARSITY: SparsitySpec = {
  level: 0, kind: 'unstructured', method: 'static', init: 'magnitude', distribution: 'uniform',
};
