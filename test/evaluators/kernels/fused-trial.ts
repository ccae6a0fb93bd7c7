import assert from 'node:assert/strict';

import * as tf from '@tensorflow/tfjs';

import { buildNetwork } from '../../../evaluators/network/build-network.js';
import { createSparseMethod } from '../../../evaluators/sparse/index.js';
import { trainNetwork, type TrainResult } from '../../../evaluators/train.js';
import type { Dataset } from '../../../evaluators/data/types.js';
import { createRng, type Architecture } from '../../../search/index.js';
import { recorder } from '../helpers.js';

/**
 * One seeded trial of `a` on the fused native layers and one with SPARSENAS_NATIVE_DENSE=0
 * (tfjs' compositions), after a warm-up trial: their results and the kernels of one forward +
 * backward on `x`. Asserts the fused trial leaks no tensor.
 */
export async function fusedVsComposed(a: Architecture, data: Dataset, x: () => tf.Tensor, batchSize: number): Promise<{ fused: { r: TrainResult; kernels: string[] }; plain: { r: TrainResult; kernels: string[] } }> {
  const trial = async () => {
    const net = buildNetwork(a, data.shape, data.classes, 1);
    const method = createSparseMethod(a.sparsity);
    method.init(net.params, a.sparsity, createRng(1), 6);
    const input = x();
    const { kernels, result } = await tf.profile(() => tf.tidy(() => {
      const { grads, value } = tf.variableGrads(() => tf.sum(net.apply(input, { training: true })) as tf.Scalar, net.trainable);
      return [value, ...Object.values(grads)];
    }));
    tf.dispose([input, ...(result as tf.Tensor[])]);
    const r = await trainNetwork({ net, method, dataset: data, training: { epochs: 2, batchSize, optimizer: 'adam', learningRate: 0.01 }, seed: 1, reporter: recorder() });
    net.dispose();
    return { r, kernels: kernels.map((k) => k.name) };
  };
  await trial();
  const tensors = tf.memory().numTensors;
  const fused = await trial();
  assert.equal(tf.memory().numTensors, tensors, 'tensors after a trial on the fused native layers');
  process.env.SPARSENAS_NATIVE_DENSE = '0';
  try {
    return { fused, plain: await trial() };
  } finally {
    delete process.env.SPARSENAS_NATIVE_DENSE;
  }
}
