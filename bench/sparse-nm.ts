/**
 * N:M rows of `npm run bench -- sparse` (issue 15): SR-STE on the reference MLP 784-300-100-10,
 * the whole training step as the evaluator runs it (`trainNetwork`: mask selection, forward,
 * backward, clipping, Adam, re-mask), batch 128, with the N:M kernels (the default route) and
 * with SPARSENAS_SPARSE_KERNELS=0 (the dense route: W ⊙ M(W) through the dense GEMM, mask
 * picked on the host), against the same network dense, alternating in rounds; and the per-layer
 * table behind the N:M route: forward + backward of one SR-STE layer, N:M kernels vs dense.
 */

import * as tf from '@tensorflow/tfjs';

import { compressMask, nmDense, sparseDense } from '../evaluators/kernels/native/index.js';
import { buildNetwork } from '../evaluators/network/build-network.js';
import { createSparseMethod } from '../evaluators/sparse/index.js';
import { nmMask } from '../evaluators/sparse/nm-mask.js';
import { syntheticDataset } from '../evaluators/synthetic-dataset.js';
import { trainNetwork } from '../evaluators/train.js';
import { createRng, DENSE_SPARSITY, type Architecture, type TrainingConfig } from '../search/index.js';

export const NM_PATTERNS: readonly (readonly [number, number])[] = [[2, 4], [1, 4], [2, 8]];
const BATCH = 128;
const LAMBDA = 2e-4;

function mlp(pattern: readonly [number, number] | null): Architecture {
  return {
    family: 'bench', input: 'flat',
    layers: [{ type: 'dense', units: 300, activation: 'relu' }, { type: 'dense', units: 100, activation: 'relu' }],
    sparsity: pattern ? { ...DENSE_SPARSITY, kind: 'n:m', method: 'srste', n: pattern[0], m: pattern[1], srsteLambda: LAMBDA } : DENSE_SPARSITY,
  };
}

export interface NmRun { samplesPerSec: number; samplesPerCpuSec: number; sparseLayers: number }

/** One SR-STE (or dense, `pattern` null) MLP training run of `steps` steps on synthetic 784-d data. */
export async function nmTrainRate(pattern: readonly [number, number] | null, kernels: boolean, steps: number): Promise<NmRun> {
  const data = syntheticDataset({ shape: [784], classes: 10, train: BATCH * steps, validation: BATCH, test: 0 }, 1);
  const training: TrainingConfig = { epochs: 1, batchSize: BATCH, optimizer: 'adam', learningRate: 1e-3 };
  const a = mlp(pattern);
  const net = buildNetwork(a, data.shape, data.classes, 1);
  const method = createSparseMethod(a.sparsity);
  const saved = process.env.SPARSENAS_SPARSE_KERNELS;
  if (!kernels) process.env.SPARSENAS_SPARSE_KERNELS = '0';
  try {
    method.init(net.params, a.sparsity, createRng(1), steps);
    net.enforceStructure();
    const cpu = process.cpuUsage();
    const r = await trainNetwork({ net, method, dataset: data, training, seed: 1, reporter: { epochEnded: () => {} } });
    const used = process.cpuUsage(cpu);
    // trainTimeMs spans the steps only; the CPU time also covers the one validation pass (1 batch of `steps`+1).
    return { samplesPerSec: r.samplesPerSecond, samplesPerCpuSec: (BATCH * steps) / ((used.user + used.system) / 1e6), sparseLayers: r.sparseLayers.length };
  } finally {
    if (saved === undefined) delete process.env.SPARSENAS_SPARSE_KERNELS;
    else process.env.SPARSENAS_SPARSE_KERNELS = saved;
    method.dispose();
    net.dispose();
  }
}

/** SR-STE's dense-route straight-through op (nm-method.ts' `ste`): W ⊙ M(W) forward, dy + λ(1 − M) ⊙ W back. */
function denseSte(n: number, m: number): (w: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [w, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const mask = nmMask(w, n, m, 0);
    save([w, mask]);
    return {
      value: tf.mul(w, mask),
      gradFunc: (dy, s) => [tf.add(dy, tf.mul(LAMBDA, tf.mul(tf.sub(1, s[1]!), s[0]!)))],
    };
  }) as (w: tf.Tensor) => tf.Tensor;
}

/** Forward + backward (dX and dW) of one SR-STE dense layer with ReLU, CPU ms per call. */
export function nmLayerCost(inputs: number, outputs: number, n: number, m: number, kernels: boolean): number {
  const x = tf.randomNormal([BATCH, inputs], 0, 1, 'float32', 1);
  const w = tf.randomNormal([inputs, outputs], 0, 0.05, 'float32', 2);
  const b = tf.zeros([outputs]);
  const probe = tf.randomNormal([BATCH, outputs], 0, 1, 'float32', 3);
  const ste = denseSte(n, m);
  const layer = (xx: tf.Tensor, ww: tf.Tensor) => (kernels
    ? nmDense(xx as tf.Tensor2D, ww, { n, m, lambda: LAMBDA }, b, 'relu')
    : tf.fused.matMul({ a: xx as tf.Tensor2D, b: ste(ww) as tf.Tensor2D, bias: b, activation: 'relu' }));
  const f = () => tf.tidy(() => tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(layer(xx, ww), probe)))([x, w]));
  const ms = cpuMsPerCall(f, inputs * outputs);
  tf.dispose([x, w, b, probe]);
  return ms;
}

export type StaticRoute = 'dense' | 'csr' | 'nm';

/**
 * Forward + backward of one static N:M layer (a fixed random N:M mask, W re-masked), CPU ms per
 * call, on `route`: dense (W ⊙ M through the dense GEMM: what static N:M runs today, its density
 * N/M being above the CSR crossover), csr (the general sparse kernels on the mask's pattern),
 * nm (the N:M kernels on W ⊙ M, packing every call; the weight gradient is then masked by autograd).
 */
export function staticNmLayerCost(inputs: number, outputs: number, n: number, m: number, route: StaticRoute): number {
  const x = tf.randomNormal([BATCH, inputs], 0, 1, 'float32', 1);
  const mask = tf.tidy(() => nmMask(tf.randomUniform([inputs, outputs], 0, 1, 'float32', 4), n, m, 0));
  const w = tf.tidy(() => tf.mul(tf.randomNormal([inputs, outputs], 0, 0.05, 'float32', 2), mask));
  const b = tf.zeros([outputs]);
  const probe = tf.randomNormal([BATCH, outputs], 0, 1, 'float32', 3);
  const pattern = compressMask(mask.dataSync(), inputs, outputs);
  const layer = (xx: tf.Tensor, ww: tf.Tensor) => {
    if (route === 'csr') return sparseDense(xx as tf.Tensor2D, ww, pattern, b, 'relu');
    const eff = tf.mul(ww, mask);
    if (route === 'nm') return nmDense(xx as tf.Tensor2D, eff, { n, m, lambda: 0 }, b, 'relu');
    return tf.fused.matMul({ a: xx as tf.Tensor2D, b: eff as tf.Tensor2D, bias: b, activation: 'relu' });
  };
  const f = () => tf.tidy(() => tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(layer(xx, ww), probe)))([x, w]));
  const ms = cpuMsPerCall(f, inputs * outputs);
  tf.dispose([x, w, b, probe, mask]);
  return ms;
}

function cpuMsPerCall(f: () => tf.Tensor[], weights: number): number {
  const reps = Math.max(5, Math.min(100, Math.round(3e7 / (BATCH * weights + 3e5))));
  for (let i = 0; i < 3; i++) tf.dispose(f());
  const cpu = process.cpuUsage();
  for (let i = 0; i < reps; i++) tf.dispose(f());
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / reps;
}

export const NM_LAYER_SHAPES: readonly (readonly [number, number])[] = [[784, 300], [300, 100], [100, 10], [1600, 10], [64, 64], [32, 10]];

