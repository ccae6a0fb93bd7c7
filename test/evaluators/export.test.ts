import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createRng, type Architecture } from '../../search/index.js';
import { writeTrialArtifacts } from '../../evaluators/artifacts.js';
import { exportTrialModel } from '../../evaluators/export.js';
import { fileLoadHandler } from '../../evaluators/file-io.js';
import { buildNetwork } from '../../evaluators/network/build-network.js';
import { createSparseMethod } from '../../evaluators/sparse/index.js';
import { syntheticDataset } from '../../evaluators/synthetic-dataset.js';
import { trainNetwork } from '../../evaluators/train.js';
import { arch, recorder, TRAINING, useBackend } from './helpers.js';

await useBackend('cpu');

/** Train briefly, save, export, reload with tf.loadLayersModel and compare predictions. */
async function roundTrip(a: Architecture, shape: number[]): Promise<{ maxDiff: number; modelJson: { weightsManifest: unknown[] } }> {
  const before = tf.memory().numTensors;
  const dir = await mkdtemp(join(tmpdir(), 'sparsenas-export-'));
  const data = syntheticDataset({ shape, classes: 3, train: 24, validation: 12, test: 3 }, 8);
  const net = buildNetwork(a, shape, 3, 5);
  const method = createSparseMethod(a.sparsity);
  try {
    method.init(net.params, a.sparsity, createRng(1), 10);
    net.enforceStructure();
    await trainNetwork({ net, method, dataset: data, training: { ...TRAINING, batchSize: 8, epochs: 1 }, seed: 1, reporter: recorder() });
    const weights = net.namedWeights((p) => method.effectiveWeight(p));
    await writeTrialArtifacts(join(dir, 'trial'), a, weights, { inputShape: shape, classes: 3 });
    tf.dispose(weights.map((w) => w.tensor));
    await exportTrialModel(join(dir, 'trial'), join(dir, 'model'));
    const modelJson = JSON.parse(await readFile(join(dir, 'model', 'model.json'), 'utf8'));
    const model = await tf.loadLayersModel(fileLoadHandler(join(dir, 'model')));
    const maxDiff = tf.tidy(() => {
      const x = tf.tensor(data.validation.x, [data.validation.count, ...shape]);
      const ours = net.apply(x, { training: false, weight: (p) => method.effectiveWeight(p) });
      const theirs = model.predict(x) as tf.Tensor;
      return tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]!;
    });
    model.dispose();
    return { maxDiff, modelJson };
  } finally {
    method.dispose();
    net.dispose();
    await rm(dir, { recursive: true, force: true });
    assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  }
}

test('an exported MLP (flat input, node mask, BN, dropout, gelu) reloads and predicts like the raw-op network', async () => {
  const a = arch([
    { type: 'dense', units: 12, activation: 'gelu', keepNodes: [0, 2, 3, 7, 11] }, { type: 'batchNorm' }, { type: 'dropout', rate: 0.2 },
    { type: 'dense', units: 6, activation: 'tanh', useBias: false },
  ], { level: 0.6 });
  const { maxDiff, modelJson } = await roundTrip(a, [3, 3, 1]);
  assert.ok(maxDiff < 1e-4, `max |Δlogit| = ${maxDiff}`);
  assert.equal(modelJson.weightsManifest.length, 1);
});

test('an exported CNN with every conv kind, pools and a sum predicts like the raw-op network', async () => {
  const a = arch([
    { type: 'conv2d', filters: 4, kernel: 3, activation: 'relu', keepNodes: [0, 1, 3] },
    { type: 'conv2d', filters: 4, kernel: 3, stride: 2, dilation: 2, padding: 'same' },
    { type: 'batchNorm', affine: false },
    { type: 'depthwiseConv2d', kernel: 3, depthMultiplier: 2, activation: 'elu' },
    { type: 'separableConv2d', filters: 4, kernel: 3, dilation: 2, activation: 'swish' },
    { type: 'sum', activation: 'relu', branches: [[{ type: 'conv2d', filters: 4, kernel: 1 }], [{ type: 'maxPool', size: 3, stride: 1, padding: 'same' }], []] },
    { type: 'avgPool', size: 2, padding: 'same' },
    { type: 'globalAvgPool' },
    { type: 'dense', units: 5, activation: 'sigmoid' },
  ], { level: 0.5 }, 'image');
  const { maxDiff } = await roundTrip(a, [7, 7, 2]);
  assert.ok(maxDiff < 1e-4, `max |Δlogit| = ${maxDiff}`);
});
