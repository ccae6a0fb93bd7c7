import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '../search/index.js';
import { FusedAdamOptimizer } from './kernels/native/fused-adam.js';

/**
 * ε of Adam and RMSProp, passed explicitly: left out, tfjs takes the active backend's
 * `epsilon()`, 1e-7 on cpu, wasm, webgpu and tensorflow but 1e-4 on webgl, so the same seed
 * would train differently by backend. 1e-7 is what every run so far used.
 */
export const OPTIMIZER_EPSILON = 1e-7;

/** The tfjs optimiser for a training config (defaults: momentum 0.9, Adam/RMSProp as tfjs). */
export function createOptimizer(training: TrainingConfig): tf.Optimizer {
  const lr = training.learningRate;
  switch (training.optimizer) {
    // tfjs' Adam, each variable's update one fused native pass on wasm + native (same values).
    case 'adam': return new FusedAdamOptimizer(lr, 0.9, 0.999, OPTIMIZER_EPSILON);
    case 'sgd': return tf.train.sgd(lr);
    case 'momentum': return disposingLearningRate(tf.train.momentum(lr, training.momentum ?? 0.9, training.nesterov ?? false));
    case 'rmsprop': return tf.train.rmsprop(lr, 0.9, training.momentum ?? 0, OPTIMIZER_EPSILON);
  }
}

/**
 * tfjs' MomentumOptimizer.dispose releases its momentum scalar and accumulators but not the
 * −lr scalar it inherits from SGD (`c`), so every momentum trial leaked one tensor. Its dispose
 * now releases that too (disposing a tensor twice is a no-op, should tfjs fix it).
 */
function disposingLearningRate(optimizer: tf.MomentumOptimizer): tf.MomentumOptimizer {
  const dispose = optimizer.dispose.bind(optimizer);
  optimizer.dispose = () => {
    dispose();
    (optimizer as unknown as { c?: tf.Tensor }).c?.dispose();
  };
  return optimizer;
}

/**
 * Change the learning rate between steps. SGD and momentum cache −lr in a kept scalar
 * (`setLearningRate` replaces it); Adam and RMSProp read the `learningRate` field each step.
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.learningRate === lr) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/**
 * Learning rate at 1-based `step` of `total`: constant, or cosine annealing to 0 without
 * restarts, η_t = η₀·½(1 + cos(π·(t−1)/T)) (Loshchilov & Hutter 2017, eq. 5 with η_min = 0).
 */
export function learningRateAt(training: TrainingConfig, step: number, total: number): number {
  if (training.lrSchedule !== 'cosine' || total <= 1) return training.learningRate;
  return training.learningRate * 0.5 * (1 + Math.cos((Math.PI * (step - 1)) / total));
}
