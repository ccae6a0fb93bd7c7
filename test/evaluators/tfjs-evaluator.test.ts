import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_DEFINITION, type EvaluationRequest, type StudyDefinition } from '../../search/index.js';
import { TfjsEvaluator } from '../../evaluators/tfjs-evaluator.js';
import { syntheticDataset } from '../../evaluators/synthetic-dataset.js';
import { readTrialArtifacts } from '../../evaluators/artifacts.js';
import { arch, recorder, TRAINING, useBackend } from './helpers.js';

await useBackend('wasm');
const definition: StudyDefinition = { ...DEFAULT_DEFINITION, backend: 'wasm', dataset: { name: 'blobs', validationFraction: 0.2 } };
const loader = async () => syntheticDataset({ shape: [12], classes: 3, train: 300, validation: 90, test: 60 }, 5);

function request(n: number, extra: Partial<EvaluationRequest> = {}): EvaluationRequest {
  return {
    studyName: 's', trialNumber: n, seed: 100 + n, dataset: definition.dataset, training: { ...TRAINING, epochs: 2 },
    architecture: arch([{ type: 'dense', units: 20, activation: 'relu' }, { type: 'batchNorm' }, { type: 'dropout', rate: 0.1 },
      { type: 'dense', units: 10, activation: 'gelu', keepNodes: [0, 1, 2, 3, 4, 5] }], { level: 0.5 }),
    ...extra,
  };
}

test('prepare names the backend and the dataset', async () => {
  const ev = new TfjsEvaluator({ loader });
  const info = await ev.prepare(definition);
  assert.equal(info.backend, 'wasm');
  assert.match(info.reason, /^wasm: forced/);
  assert.deepEqual(info.dataset, { name: 'synthetic-12-3', train: 300, validation: 90, test: 60, shape: [12], classes: 3 });
  await ev.dispose();
});

test('several trials in a row leave tf.memory().numTensors unchanged', async () => {
  const ev = new TfjsEvaluator({ loader });
  await ev.prepare(definition);
  const before = tf.memory().numTensors;
  for (let n = 0; n < 3; n++) {
    const r = recorder();
    const m = await ev.evaluate(request(n), r, new AbortController().signal);
    assert.equal(tf.memory().numTensors, before, `after trial ${n}`);
    assert.equal(r.epochs.length, 2);
    assert.ok(m.valAccuracy > 0.5, `trial ${n}: ${m.valAccuracy}`);
    assert.equal(m.backend, 'wasm');
    assert.ok(m.sparseFlops < m.denseFlops && m.nonZeros < m.params);
    assert.equal(m.layers.map((l) => l.name).join(), 'dense_0,bn_1,dense_3,classifier');
    assert.equal(m.extra?.['nodeSparsity'], 4 / 30);
  }
  await ev.dispose();
});

test('a pruned trial (reporter throws) propagates the error and leaks nothing', async () => {
  const ev = new TfjsEvaluator({ loader });
  await ev.prepare(definition);
  const before = tf.memory().numTensors;
  const boom = new Error('pruned');
  await assert.rejects(ev.evaluate(request(0), { epochEnded: () => { throw boom; } }, new AbortController().signal), (e) => e === boom);
  assert.equal(tf.memory().numTensors, before);
  await ev.dispose();
});

test('artifactDir receives weights.bin, weights.json and architecture.json atomically', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sparsenas-eval-'));
  try {
    const ev = new TfjsEvaluator({ loader });
    await ev.prepare(definition);
    const target = join(dir, 'trial-0');
    const req = request(0, { artifactDir: target });
    await ev.evaluate(req, recorder(), new AbortController().signal);
    assert.deepEqual((await readdir(dir)).sort(), ['trial-0'], 'no temp directory left behind');
    assert.deepEqual((await readdir(target)).sort(), ['architecture.json', 'weights.bin', 'weights.json']);
    assert.deepEqual(JSON.parse(await readFile(join(target, 'architecture.json'), 'utf8')), req.architecture);
    const saved = await readTrialArtifacts(target);
    assert.deepEqual([...saved.weights.keys()], ['dense_0/kernel', 'dense_0/bias', 'bn_1/gamma', 'bn_1/beta', 'bn_1/movingMean',
      'bn_1/movingVariance', 'dense_3/kernel', 'dense_3/bias', 'classifier/kernel', 'classifier/bias']);
    const k = saved.weights.get('dense_0/kernel')!;
    assert.deepEqual(k.shape, [12, 20]);
    assert.equal(k.values.filter((v) => v === 0).length, 120, 'saved with the 50% mask applied');
    const bias = saved.weights.get('dense_3/bias')!.values;
    assert.deepEqual([...bias.slice(6)], [0, 0, 0, 0], 'removed nodes keep a zero bias');
    // A second write replaces the first.
    await ev.evaluate(request(1, { artifactDir: target }), recorder(), new AbortController().signal);
    assert.deepEqual((await readdir(dir)).sort(), ['trial-0']);
    await ev.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('evaluate before prepare is a clear error', async () => {
  const ev = new TfjsEvaluator({ loader });
  await assert.rejects(ev.evaluate(request(0), recorder(), new AbortController().signal), /before prepare/);
});

test('RigL (dense gradient captured in the backward pass) and GMP trials run end to end at their sparsity', async () => {
  const ev = new TfjsEvaluator({ loader });
  await ev.prepare(definition);
  const before = tf.memory().numTensors;
  const layers = [{ type: 'dense' as const, units: 32, activation: 'relu' as const }, { type: 'dense' as const, units: 16, activation: 'relu' as const }];
  const rigl = await ev.evaluate(request(0, { architecture: arch(layers, { level: 0.8, method: 'rigl', updateEvery: 3 }) }), recorder(), new AbortController().signal);
  const gmp = await ev.evaluate(request(1, { architecture: arch(layers, { level: 0.8, method: 'gmp', gmpEvery: 2 }) }), recorder(), new AbortController().signal);
  for (const m of [rigl, gmp]) {
    assert.ok(Math.abs(m.extra!['weightSparsity']! - 0.8) < 0.02, `weight sparsity ${m.extra!['weightSparsity']}`);
    assert.ok(m.valAccuracy > 0.4, `accuracy ${m.valAccuracy}`);
  }
  assert.equal(tf.memory().numTensors, before);
  await ev.dispose();
});

test('a small CNN trains on wasm with the kernels of evaluators/kernels installed by prepare', async () => {
  const images = async () => syntheticDataset({ shape: [8, 8, 1], classes: 3, train: 48, validation: 24, test: 6, separation: 12 }, 2);
  const ev = new TfjsEvaluator({ loader: images });
  await ev.prepare(definition);
  const before = tf.memory().numTensors;
  const cnn = arch([
    { type: 'conv2d', filters: 4, kernel: 3, activation: 'relu' }, { type: 'maxPool', size: 2 },
    { type: 'separableConv2d', filters: 4, kernel: 3, dilation: 2, activation: 'relu' }, { type: 'globalAvgPool' },
  ], { level: 0.5 }, 'image');
  const m = await ev.evaluate(request(0, { architecture: cnn, training: { ...TRAINING, batchSize: 8, epochs: 3 } }), recorder(), new AbortController().signal);
  assert.ok(Number.isFinite(m.valLoss) && m.valAccuracy > 0.4, `accuracy ${m.valAccuracy}`);
  assert.equal(m.backend, 'wasm');
  assert.equal(tf.memory().numTensors, before);
  await ev.dispose();
});

test('a trial re-run with the same seed reproduces its metrics exactly; another seed does not', async () => {
  const ev = new TfjsEvaluator({ loader });
  await ev.prepare(definition);
  const run = async (seed: number) => ev.evaluate({ ...request(0), seed, architecture: request(0).architecture }, recorder(), new AbortController().signal);
  const [a, b, c] = [await run(7), await run(7), await run(8)];
  assert.deepEqual([a.trainLoss, a.valLoss, a.valAccuracy, a.nonZeros], [b.trainLoss, b.valLoss, b.valAccuracy, b.nonZeros]);
  assert.notEqual(a.trainLoss, c.trainLoss);
  await ev.dispose();
});
