import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { TrialDivergedError } from '../../search/index.js';
import { buildNetwork } from '../../evaluators/network/build-network.js';
import { createSparseMethod } from '../../evaluators/sparse/index.js';
import { syntheticDataset } from '../../evaluators/synthetic-dataset.js';
import { trainNetwork } from '../../evaluators/train.js';
import { createRng } from '../../search/index.js';
import { TrialAbortedError } from '../../evaluators/errors.js';
import type { Architecture, TrainingConfig } from '../../search/index.js';
import { arch, recorder, TRAINING, useBackend } from './helpers.js';

await useBackend('wasm');
const data = syntheticDataset({ shape: [16], classes: 4, train: 480, validation: 120, test: 120 }, 7);

async function run(a: Architecture, training: TrainingConfig = TRAINING, signal?: AbortSignal) {
  const net = buildNetwork(a, data.shape, data.classes, 11);
  const method = createSparseMethod(a.sparsity);
  const reporter = recorder();
  try {
    method.init(net.params, a.sparsity, createRng(1), 100);
    net.enforceStructure();
    const result = await trainNetwork({ net, method, dataset: data, training, seed: 3, reporter, signal });
    const values = net.params.map((p) => ({ name: p.name, w: p.weight.dataSync().slice(), m: p.mask.dataSync().slice() }));
    return { result, reporter, values };
  } finally {
    method.dispose();
    net.dispose();
  }
}

test('a small MLP learns a separable problem far above chance and reports every epoch', async () => {
  const before = tf.memory().numTensors;
  const { result, reporter } = await run(arch([{ type: 'dense', units: 32, activation: 'relu' }]));
  assert.ok(result.valAccuracy > 0.8, `validation accuracy ${result.valAccuracy} (chance 0.25)`);
  assert.equal(reporter.epochs.length, 3);
  assert.deepEqual(reporter.epochs.map((e) => e.epoch), [1, 2, 3]);
  assert.ok(reporter.epochs[2]!.trainLoss < reporter.epochs[0]!.trainLoss);
  assert.ok(result.samplesPerSecond > 0);
  assert.equal(result.testAccuracy, undefined, 'test split only with evaluateTest');
  assert.equal(tf.memory().numTensors, before);
});

test('masked weights stay exactly zero through training with every optimiser', async () => {
  const opts: TrainingConfig[] = [
    { ...TRAINING, epochs: 2, optimizer: 'adam', weightDecay: 1e-3, gradClipNorm: 1, lrSchedule: 'cosine' },
    { ...TRAINING, epochs: 2, optimizer: 'momentum', momentum: 0.9, nesterov: true, learningRate: 0.05 },
    { ...TRAINING, epochs: 2, optimizer: 'rmsprop', learningRate: 0.005 },
  ];
  for (const training of opts) {
    const a = arch([{ type: 'dense', units: 24, activation: 'relu' }, { type: 'dense', units: 12, activation: 'tanh', sparsity: 0.5 }],
      { level: 0.8, init: 'random' });
    const { values, result } = await run(a, training);
    assert.ok(result.valAccuracy > 0.4, `${training.optimizer}: ${result.valAccuracy}`);
    const expected = [0.8, 0.5, 0.8];
    values.forEach((v, i) => {
      const zeros = v.m.filter((x) => x === 0).length;
      assert.equal(zeros, Math.round(expected[i]! * v.m.length), `${v.name} mask zeros`);
      v.m.forEach((m, j) => { if (m === 0) assert.ok(v.w[j] === 0, `${training.optimizer} ${v.name}[${j}] = ${v.w[j]} under a zero mask`); });
      assert.ok(v.w.some((w) => w !== 0));
    });
  }
});

test('test accuracy only when evaluateTest is set', async () => {
  const { result } = await run(arch([{ type: 'dense', units: 8, activation: 'relu' }]), { ...TRAINING, epochs: 1, evaluateTest: true });
  assert.ok(result.testAccuracy !== undefined && result.testAccuracy > 0.4);
  assert.ok(Number.isFinite(result.testLoss));
});

test('a huge learning rate diverges with TrialDivergedError and leaks nothing', async () => {
  const before = tf.memory().numTensors;
  await assert.rejects(run(arch([{ type: 'dense', units: 16, activation: 'relu' }]), { ...TRAINING, optimizer: 'sgd', learningRate: 1e12 }),
    (err: unknown) => err instanceof TrialDivergedError && /lower the learning rate/.test(err.message));
  assert.equal(tf.memory().numTensors, before);
});

test('an abort between batches stops training with an AbortError and leaks nothing', async () => {
  const before = tf.memory().numTensors;
  const controller = new AbortController();
  const net = buildNetwork(arch([{ type: 'dense', units: 16, activation: 'relu' }]), data.shape, data.classes, 1);
  const method = createSparseMethod(arch([]).sparsity);
  method.init(net.params, arch([]).sparsity, createRng(1), 10);
  let epochs = 0;
  const reporter = { epochEnded: () => { epochs++; controller.abort(); } };
  await assert.rejects(trainNetwork({ net, method, dataset: data, training: TRAINING, seed: 1, reporter, signal: controller.signal }),
    (err: unknown) => err instanceof TrialAbortedError && (err as Error).name === 'AbortError');
  assert.equal(epochs, 1);
  method.dispose();
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('training yields to the event loop between batches so a UI stays live', async () => {
  const net = buildNetwork(arch([{ type: 'dense', units: 8 }]), data.shape, data.classes, 1);
  const method = createSparseMethod(arch([]).sparsity);
  method.init(net.params, arch([]).sparsity, createRng(1), 10);
  let ticked = false;
  setImmediate(() => { ticked = true; });
  let tickedBeforeEpochEnd = false;
  await trainNetwork({ net, method, dataset: data, training: { ...TRAINING, epochs: 1 }, seed: 1, yieldEveryMs: 0,
    reporter: { epochEnded: () => { tickedBeforeEpochEnd = ticked; } } });
  assert.ok(tickedBeforeEpochEnd, 'a setImmediate callback ran during the epoch');
  method.dispose();
  net.dispose();
});

test('training.steps caps the optimiser steps; steps 0 measures the untrained network and changes no weight', async () => {
  const before = tf.memory().numTensors;
  const a = arch([{ type: 'dense', units: 16, activation: 'relu' }]);
  const untouched = await run(a, { ...TRAINING, epochs: 1, steps: 0 });
  const fresh = buildNetwork(a, data.shape, data.classes, 11);
  const initial = fresh.params.map((p) => p.weight.dataSync().slice());
  fresh.dispose();
  untouched.values.forEach((v, i) => assert.deepEqual(v.w, initial[i], `${v.name} changed with steps 0`));
  assert.equal(untouched.reporter.epochs.length, 1);
  assert.ok(Number.isFinite(untouched.result.trainLoss) && untouched.result.trainLoss > 1, `loss at init ${untouched.result.trainLoss} (ln 4 ≈ 1.39)`);
  // 480 samples / 32 = 15 steps per epoch: 20 steps end in epoch 2, and train less than 3 full epochs.
  const capped = await run(a, { ...TRAINING, steps: 20 });
  assert.deepEqual(capped.reporter.epochs.map((e) => e.epoch), [1, 2]);
  assert.equal(capped.result.epochs, 2);
  const full = await run(a, TRAINING);
  assert.notDeepEqual(capped.values[0]!.w, full.values[0]!.w);
  assert.equal(tf.memory().numTensors, before);
});

test('reading the loss back every 4 steps trains exactly as every step, and a divergence still names its step', async () => {
  const a = arch([{ type: 'dense', units: 16, activation: 'relu' }], { level: 0.5, method: 'rigl', updateEvery: 3 });
  const runWith = async (readbackEvery: number, training = TRAINING) => {
    const net = buildNetwork(a, data.shape, data.classes, 11);
    const method = createSparseMethod(a.sparsity);
    const reporter = recorder();
    try {
      method.init(net.params, a.sparsity, createRng(1), 100);
      const result = await trainNetwork({ net, method, dataset: data, training, seed: 3, reporter, readbackEvery });
      return { epochs: reporter.epochs.map((e) => [e.trainLoss, e.trainAccuracy, e.valLoss]), w: net.params.map((p) => Array.from(p.weight.dataSync())), result };
    } finally {
      method.dispose();
      net.dispose();
    }
  };
  const before = tf.memory().numTensors;
  const every = await runWith(1);
  const batched = await runWith(4);
  assert.deepEqual(batched.epochs, every.epochs);
  assert.deepEqual(batched.w, every.w);
  const diverged = async (n: number) => {
    try { await runWith(n, { ...TRAINING, optimizer: 'sgd', learningRate: 1e12 }); } catch (err) { if (err instanceof TrialDivergedError) return err.message; throw err; }
    return 'did not diverge';
  };
  const message = await diverged(1);
  assert.match(message, /^training loss became NaN at epoch 1, step \d+;/);
  assert.equal(await diverged(4), message);
  assert.equal(tf.memory().numTensors, before);
});
