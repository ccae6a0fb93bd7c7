import * as tf from '@tensorflow/tfjs';

import { nativeConv2d } from '../evaluators/kernels/native/conv-layer.js';
import { nativeDense } from '../evaluators/kernels/native/dense-layer.js';
import { FusedAdamOptimizer } from '../evaluators/kernels/native/fused-adam.js';
import { softmaxCrossEntropy } from '../evaluators/kernels/native/softmax-xent.js';

/**
 * The two reference models of the throughput benchmark, trained with raw tfjs ops the way
 * the sparse evaluators do: weights multiplied by a fixed random mask in the forward pass
 * (W ⊙ M) and re-masked after every Adam step. bench/reference_torch.py mirrors them. Dense
 * and conv layers take the evaluator's route too (layers/dense.ts, conv2d.ts): the native
 * fused kernels where they run (wasm with the addon), tf.fused.matMul / tf.fused.conv2d
 * elsewhere; so does the loss (the native softmax cross-entropy, or tf.losses').
 */
export type ModelName = 'mlp' | 'cnn';

export interface TrainStep {
  /** One optimiser step on the fixed batch. */
  step(): void;
  dispose(): void;
}

interface Layer {
  w: tf.Variable;
  b: tf.Variable;
  mask: tf.Tensor | null;
}

/** Forward FLOPs per sample (a multiply-add = 2); a training step counts as 3x forward. */
export const FORWARD_FLOPS: Readonly<Record<ModelName, number>> = {
  // 784-300-100-10
  mlp: 2 * (784 * 300 + 300 * 100 + 100 * 10),
  // conv3x3 1->32 on 28x28 (valid: 26x26), pool, conv3x3 32->64 on 13x13 (11x11), pool (5x5), dense 1600->10
  cnn: 2 * (26 * 26 * 32 * 9 * 1 + 11 * 11 * 64 * 9 * 32 + 1600 * 10),
};

/** The reference networks' weight shapes (bench/sparse-route.ts builds the same networks masked). */
export const LAYER_SHAPES: Readonly<Record<ModelName, number[][]>> = {
  mlp: [[784, 300], [300, 100], [100, 10]],
  cnn: [[3, 3, 1, 32], [3, 3, 32, 64], [1600, 10]],
};

function makeLayers(model: ModelName, sparsity: number, seed: number): Layer[] {
  return LAYER_SHAPES[model].map((shape, i) => ({
    // tidy disposes the initial values; the variables keep their data.
    w: tf.tidy(() => tf.variable(tf.randomUniform(shape, -0.05, 0.05, 'float32', seed + i))),
    b: tf.tidy(() => tf.variable(tf.zeros([shape[shape.length - 1]]))),
    mask: sparsity > 0 ? tf.tidy(() => tf.cast(tf.greaterEqual(tf.randomUniform(shape, 0, 1, 'float32', seed + 100 + i), sparsity), 'float32')) : null,
  }));
}

const effective = (l: Layer): tf.Tensor => (l.mask ? tf.mul(l.w, l.mask) : l.w);

/** `act(x · w + b)` as the evaluator's dense route runs it: the native fused dense layer, else tfjs. */
export function denseRoute(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor, activation: 'relu' | 'linear'): tf.Tensor2D {
  return nativeDense(x, w, () => b, activation) ?? (tf.fused.matMul({ a: x, b: w, bias: b, activation }) as tf.Tensor2D);
}

/** A 3×3 valid stride-1 convolution with bias and ReLU as the evaluator runs it: the native fused conv layer, else tfjs. */
export function convRoute(x: tf.Tensor4D, filter: tf.Tensor4D, b: tf.Tensor): tf.Tensor4D {
  return nativeConv2d(x, filter, () => b, 'relu', 1, 'valid') ?? tf.fused.conv2d({ x, filter, strides: 1, pad: 'valid', bias: b, activation: 'relu' });
}

function dense(x: tf.Tensor2D, l: Layer, activation: 'relu' | 'linear'): tf.Tensor2D {
  return denseRoute(x, effective(l) as tf.Tensor2D, l.b, activation);
}

function forward(model: ModelName, layers: Layer[], x: tf.Tensor): tf.Tensor2D {
  if (model === 'mlp') {
    let h = x as tf.Tensor2D;
    layers.forEach((l, i) => {
      h = dense(h, l, i < layers.length - 1 ? 'relu' : 'linear');
    });
    return h;
  }
  let h = x as tf.Tensor4D;
  for (const l of layers.slice(0, 2)) {
    h = convRoute(h, effective(l) as tf.Tensor4D, l.b);
    h = tf.maxPool(h, 2, 2, 'valid');
  }
  const last = layers[2];
  return dense(tf.reshape(h, [h.shape[0], -1]), last, 'linear');
}

/** Builds the model, a fixed random batch and Adam(1e-3) on the current backend. */
export function buildTrainStep(model: ModelName, sparsity: number, batch: number, seed = 1): TrainStep {
  const layers = makeLayers(model, sparsity, seed);
  const x = model === 'mlp' ? tf.randomUniform([batch, 784], 0, 1, 'float32', seed) : tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', seed);
  // Float one-hot labels, as evaluators/batches.ts makes them.
  const labels = tf.tidy(() => tf.cast(tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', seed + 1), 10), 'float32'));
  // What the evaluator's createOptimizer makes: tfjs' Adam, fused on wasm + native.
  const optimizer = new FusedAdamOptimizer(1e-3, 0.9, 0.999);
  const vars = layers.flatMap((l) => [l.w, l.b]);
  return {
    step() {
      optimizer.minimize(() => softmaxCrossEntropy(labels, forward(model, layers, x)), false, vars);
      tf.tidy(() => {
        for (const l of layers) if (l.mask) l.w.assign(tf.mul(l.w, l.mask));
      });
    },
    dispose() {
      optimizer.dispose();
      tf.dispose([x, labels, ...vars, ...layers.flatMap((l) => (l.mask ? [l.mask] : []))]);
    },
  };
}
