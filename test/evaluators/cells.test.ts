import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng, type Architecture } from '../../search/index.js';
import { countNetwork } from '../../evaluators/accounting.js';
import { writeTrialArtifacts } from '../../evaluators/artifacts.js';
import { exportTrialModel } from '../../evaluators/export.js';
import { fileLoadHandler } from '../../evaluators/file-io.js';
import { buildNetwork } from '../../evaluators/network/build-network.js';
import { createSparseMethod } from '../../evaluators/sparse/index.js';
import { syntheticDataset } from '../../evaluators/synthetic-dataset.js';
import { trainNetwork } from '../../evaluators/train.js';
import { countArchitecture } from '../../spaces/index.js';
import { allOpsCells, smallCells } from '../search/layers/fixtures.js';
import { recorder, TRAINING, useBackend } from './helpers.js';

// Conv gradients on stock backends: cpu (tiny shapes).
await useBackend('cpu');

async function trained(a: Architecture, shape: number[], epochs = 1) {
  const data = syntheticDataset({ shape, classes: 3, train: 24, validation: 12, test: 3 }, 4);
  const net = buildNetwork(a, shape, 3, 9);
  const method = createSparseMethod(a.sparsity);
  method.init(net.params, a.sparsity, createRng(3), 10);
  net.enforceStructure();
  const result = await trainNetwork({ net, method, dataset: data, training: { ...TRAINING, batchSize: 8, epochs }, seed: 2, reporter: recorder() });
  return { net, method, result, data };
}

test('a cells network measures what the registry counts: parameters, non-zeros, FLOPs, per layer', () => {
  for (const [a, shape] of [[smallCells({ level: 0.5, keepFirstDense: true }), [8, 8, 1]], [allOpsCells({ level: 0.7 }), [9, 9, 1]]] as const) {
    const before = tf.memory().numTensors;
    const net = buildNetwork(a, shape, 3, 1);
    const method = createSparseMethod(a.sparsity);
    method.init(net.params, a.sparsity, createRng(2), 1);
    const measured = countNetwork(net);
    method.dispose();
    net.dispose();
    assert.equal(tf.memory().numTensors, before);
    const analytic = countArchitecture(a, [...shape], 3);
    assert.equal(measured.params, analytic.params);
    assert.equal(measured.denseFlops, analytic.denseFlops);
    assert.equal(measured.nonZeros, analytic.nonZeros);
    // The mask keeps a whole number of weights per kernel: at most one weight × 2 × positions (≤ 81) off each.
    assert.ok(Math.abs(measured.sparseFlops - analytic.sparseFlops) <= 2 * 81 * measured.layers.length);
    assert.deepEqual(measured.layers.map((l) => [l.name, l.params]), analytic.layers.map((l) => [l.name, l.params]));
  }
});

test('every convolution inside the cells is a masked kernel that reaches its sparsity and keeps its mask (static)', async () => {
  const before = tf.memory().numTensors;
  const a = allOpsCells({ level: 0.8, init: 'magnitude' });
  const { net, method, result } = await trained(a, [9, 9, 1], 2);
  assert.ok(Number.isFinite(result.trainLoss));
  const kernels = countArchitecture(a, [9, 9, 1], 3).layers.filter((l) => l.weights > 0);
  assert.equal(net.params.length, kernels.length, 'one masked param per counted kernel');
  for (const p of net.params) {
    const size = p.mask.size;
    const nnz = tf.tidy(() => tf.sum(tf.notEqual(p.mask, 0)).dataSync()[0]!);
    assert.ok(Math.abs(1 - nnz / size - 0.8) <= 1 / size + 1e-9, `${p.name}: sparsity ${1 - nnz / size}`);
    // Masked weights stay zero through training.
    const stray = tf.tidy(() => tf.sum(tf.abs(tf.mul(p.weight, tf.sub(1, p.mask)))).dataSync()[0]!);
    assert.equal(stray, 0, p.name);
  }
  assert.ok(Math.abs(countNetwork(net).weightSparsity - 0.8) < 0.01);
  method.dispose();
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('an exported cells network (odd input: padded FactorizedReduce, none, every op) predicts like the trained one', async () => {
  const before = tf.memory().numTensors;
  const a = allOpsCells({ level: 0.6 });
  const shape = [9, 9, 1];
  const { net, method, data } = await trained(a, shape);
  const dir = await mkdtemp(join(tmpdir(), 'sparsenas-cells-'));
  try {
    const weights = net.namedWeights((p) => method.effectiveWeight(p));
    await writeTrialArtifacts(join(dir, 'trial'), a, weights, { inputShape: shape, classes: 3 });
    tf.dispose(weights.map((w) => w.tensor));
    await exportTrialModel(join(dir, 'trial'), join(dir, 'model'));
    const model = await tf.loadLayersModel(fileLoadHandler(join(dir, 'model')));
    const maxDiff = tf.tidy(() => {
      const x = tf.tensor(data.validation.x, [data.validation.count, ...shape]);
      const ours = net.apply(x, { training: false, weight: (p) => method.effectiveWeight(p) });
      return tf.max(tf.abs(tf.sub(ours, model.predict(x) as tf.Tensor))).dataSync()[0]!;
    });
    model.dispose();
    assert.ok(maxDiff < 1e-4, `max |Δlogit| = ${maxDiff}`);
  } finally {
    method.dispose();
    net.dispose();
    await rm(dir, { recursive: true, force: true });
  }
  assert.equal(tf.memory().numTensors, before);
});
