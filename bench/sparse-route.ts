/**
 * The networks of the sparse benchmark (bench/sparse.ts) and their routes: the reference MLP
 * 784-300-100-10 and CNN with random masks of a given density, and one training step on a fixed
 * batch as `dense` (W ⊙ M on the dense kernels), `sparse` (every layer on the sparse kernels) or
 * `auto` (what the evaluator does: the crossover rules and the sparse Adam). kernel-timings.ts
 * profiles the same step (`--density`).
 */
import * as tf from '@tensorflow/tfjs';

import {
  compressConvMask, compressMask, loadNativeAddon, prefersSparse, prefersSparseConv, sparseConv2d, sparseDense,
  type SparseConvPattern, type SparsePattern,
} from '../evaluators/kernels/native/index.js';
import { softmaxCrossEntropy } from '../evaluators/kernels/native/softmax-xent.js';
import { createOptimizer } from '../evaluators/optimizer.js';
import { DEFAULT_LAYOUT, routesSparse, SparseAdam, type MomentLayout } from '../evaluators/sparse-optimizer.js';
import type { MaskedParam } from '../evaluators/sparse/types.js';
import type { TrainingConfig } from '../search/index.js';
import { convRoute, denseRoute, LAYER_SHAPES, type ModelName, type TrainStep } from './throughput-models.js';

export const BATCH = 128;
export type Model = ModelName;
export type Route = 'dense' | 'sparse' | 'auto';

export interface Layer { w: tf.Variable; b: tf.Variable; mask: tf.Tensor | null; pattern: SparsePattern | null; conv: SparseConvPattern | null }

function makeLayers(shapes: number[][], density: number, seed: number): Layer[] {
  return shapes.map((shape, i) => {
    const w = tf.tidy(() => tf.variable(tf.randomUniform(shape, -0.05, 0.05, 'float32', seed + i)));
    const b = tf.tidy(() => tf.variable(tf.zeros([shape[shape.length - 1]!])));
    const mask = density < 1 ? tf.tidy(() => tf.cast(tf.less(tf.randomUniform(shape, 0, 1, 'float32', seed + 100 + i), density), 'float32')) : null;
    if (mask) tf.tidy(() => { w.assign(tf.mul(w, mask)); });
    const bits = mask ? mask.dataSync() : new Float32Array(shape.reduce((p, q) => p * q, 1)).fill(1);
    const pattern = shape.length === 2 ? compressMask(bits, shape[0]!, shape[1]!) : null;
    const conv = shape.length === 4 ? compressConvMask(bits, shape) : null;
    return { w, b, mask, pattern, conv };
  });
}

/** Layers of the given shapes (one-layer cost tables), seed 7. */
export function makeLayersOf(shapes: number[][], density: number): Layer[] {
  return makeLayers(shapes, density, 7);
}

const effective = (l: Layer): tf.Tensor => (l.mask ? tf.mul(l.w, l.mask) : l.w);

export function denseLayer(h: tf.Tensor, l: Layer, relu: boolean, route: Route): tf.Tensor {
  const sparse = route === 'sparse' || (route === 'auto' && prefersSparse(l.pattern!));
  if (sparse) return sparseDense(h as tf.Tensor2D, l.w, l.pattern!, l.b, relu ? 'relu' : 'linear');
  return denseRoute(h as tf.Tensor2D, effective(l) as tf.Tensor2D, l.b, relu ? 'relu' : 'linear');
}

/** A 3x3 valid stride-1 convolution with bias and ReLU, as the reference CNN has. */
export function convLayer(h: tf.Tensor4D, l: Layer, route: Route): tf.Tensor4D {
  const geometry = { strides: [1, 1] as [number, number], dilations: [1, 1] as [number, number], pad: 'valid' as const };
  const sparse = route === 'sparse' || (route === 'auto' && prefersSparseConv(l.conv!, h.shape, geometry));
  if (sparse) return sparseConv2d(h, l.w, l.conv!, l.b, 'relu', geometry);
  return convRoute(h, effective(l) as tf.Tensor4D, l.b);
}

function forward(model: Model, layers: Layer[], x: tf.Tensor, route: Route): tf.Tensor {
  if (model === 'mlp') return layers.reduce((h, l, i) => denseLayer(h, l, i < layers.length - 1, route), x);
  let h = x as tf.Tensor4D;
  for (const l of layers.slice(0, 2)) {
    h = tf.maxPool(convLayer(h, l, route), 2, 2, 'valid');
  }
  return denseLayer(tf.reshape(h, [h.shape[0], -1]), layers[2]!, false, route);
}

export const TRAINING: TrainingConfig = { epochs: 1, batchSize: BATCH, optimizer: 'adam', learningRate: 1e-3 };

/** A bench layer as the sparse Adam sees a masked param (it reads name, weight and mask). */
export const paramOf = (l: Layer, i: number): MaskedParam => ({ name: `layer_${i}`, weight: l.w, mask: l.mask as tf.Variable } as unknown as MaskedParam);

/**
 * One training step of `model` at `density` on `route`, on a fixed batch. `dense`: the evaluator's
 * Adam (createOptimizer: tfjs' Adam, one fused native pass per variable) over every weight, then
 * W ← W ⊙ M (the route before the sparse optimiser). `sparse`/`auto`: the sparse Adam (`layout`
 * moments) for the masked weights it routes (`sparse`: every masked one; `auto`: the evaluator's
 * rule), the evaluator's Adam for the rest, and the re-mask only where that stepped a masked
 * weight.
 */
export function buildRouteStep(model: Model, density: number, route: Route, layout: MomentLayout | 'tfjs' = route === 'dense' ? 'tfjs' : DEFAULT_LAYOUT): TrainStep {
  const layers = makeLayers(LAYER_SHAPES[model], density, 1);
  const x = model === 'mlp' ? tf.randomUniform([BATCH, 784], 0, 1, 'float32', 1) : tf.randomUniform([BATCH, 28, 28, 1], 0, 1, 'float32', 1);
  // Float one-hot labels, as evaluators/batches.ts makes them (the native loss takes float32).
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32', 2), 10), 'float32'));
  // The evaluator's optimiser (evaluators/optimizer.ts: tfjs' Adam, each variable's update one
  // fused native pass), so every route steps its unrouted variables as training does.
  const optimizer = createOptimizer(TRAINING);
  const vars = layers.flatMap((l) => [l.w, l.b]);
  const sparseAdam = layout === 'tfjs' ? undefined : new SparseAdam(optimizer as tf.AdamOptimizer, loadNativeAddon().addon!, layout);
  const params = layers.map(paramOf);
  const routed = new Map(layers.flatMap((l, i) => (l.mask && (route === 'sparse' || routesSparse(params[i]!)) ? [[l.w.name, params[i]!] as const] : [])));
  const kernels = new Map(layers.map((l) => [l.w.name, l.w]));
  // The evaluator's loss (evaluators/train.ts): the native fused softmax cross-entropy, else tfjs'.
  const loss = () => softmaxCrossEntropy(labels, forward(model, layers, x, route));
  return {
    step() {
      let masked = new Set<string>();
      if (sparseAdam) {
        tf.tidy(() => { masked = sparseAdam.applyGradients(tf.variableGrads(loss, vars).grads, routed, TRAINING, kernels); });
      } else {
        optimizer.minimize(loss, false, vars);
      }
      tf.tidy(() => { for (const l of layers) if (l.mask && !masked.has(l.w.name)) l.w.assign(tf.mul(l.w, l.mask)); });
    },
    dispose() {
      sparseAdam?.dispose();
      optimizer.dispose();
      tf.dispose([x, labels, ...vars, ...layers.flatMap((l) => (l.mask ? [l.mask] : []))]);
    },
  };
}
