import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  DEFAULT_DEFINITION, EventBus, MemoryStore, runSearch,
  type Candidate, type EvaluationRequest, type StudyDefinition, type TestRequest, type TrainingConfig,
} from '../../search/index.js';
import { TfjsEvaluator } from '../../evaluators/tfjs-evaluator.js';
import { arch, recorder, useBackend } from './helpers.js';

await useBackend('wasm');
const definition: StudyDefinition = {
  ...DEFAULT_DEFINITION, seed: 3, backend: 'wasm', dataset: { name: 'embedded', subset: 600, validationFraction: 0.1 },
};
const training: TrainingConfig = { epochs: 1, batchSize: 64, optimizer: 'adam', learningRate: 0.003 };
// Sparse (RigL, 70%), a node mask and BN: the saved weights carry masks, removed nodes and running statistics.
const architecture = arch([{ type: 'dense', units: 32, activation: 'relu', keepNodes: [...Array(24).keys()] }, { type: 'batchNorm' },
  { type: 'dense', units: 16, activation: 'relu' }], { level: 0.7, method: 'rigl', distribution: 'erk' });

let dir: string;
let evaluator: TfjsEvaluator;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sparsenas-evaltest-'));
  evaluator = new TfjsEvaluator();
  await evaluator.prepare(definition);
});
after(async () => {
  await evaluator.dispose();
  await rm(dir, { recursive: true, force: true });
});

const evalRequest = (artifactDir: string, extra: Partial<EvaluationRequest> = {}): EvaluationRequest => ({
  studyName: 's', trialNumber: 0, seed: 41, dataset: definition.dataset, training, architecture, artifactDir, ...extra,
});
const testRequest = (artifactDir: string, extra: Partial<TestRequest> = {}): TestRequest => ({
  studyName: 's', trialNumber: 0, seed: 41, dataset: definition.dataset, training, architecture, artifactDir, ...extra,
});

test('evaluateTest from the saved weights equals the test accuracy measured at the end of training', async () => {
  const artifactDir = join(dir, 'trial-0');
  const trained = await evaluator.evaluate(evalRequest(artifactDir, { training: { ...training, evaluateTest: true } }), recorder(), new AbortController().signal);
  assert.ok(trained.testAccuracy !== undefined && trained.testLoss !== undefined);
  assert.ok(trained.testAccuracy > 0.3, `a trained net beats chance (0.1): ${trained.testAccuracy}`);

  const numTensors = tf.memory().numTensors;
  const tested = await evaluator.evaluateTest(testRequest(artifactDir));
  assert.equal(tf.memory().numTensors, numTensors, 'evaluateTest leaks no tensor');
  // Same weights, same batches: the same numbers, not merely close ones.
  assert.deepEqual(tested, { testAccuracy: trained.testAccuracy, testLoss: trained.testLoss });

  // A differently seeded network of the same architecture gets the saved weights, not its own.
  assert.deepEqual(await evaluator.evaluateTest(testRequest(artifactDir, { seed: 999 })), tested);
});

test('missing weights, or weights of another architecture, are clear errors that leak nothing', async () => {
  const artifactDir = join(dir, 'trial-1');
  await evaluator.evaluate(evalRequest(artifactDir, { trialNumber: 1 }), recorder(), new AbortController().signal);
  const numTensors = tf.memory().numTensors;
  await assert.rejects(evaluator.evaluateTest(testRequest(join(dir, 'never-trained'))),
    (e: { code?: string; message: string }) => e.code === 'ARTIFACT_INVALID' && /never-trained\/weights\.json/.test(e.message));
  const wider = arch([{ type: 'dense', units: 48, activation: 'relu' }, { type: 'batchNorm' }, { type: 'dense', units: 16, activation: 'relu' }]);
  await assert.rejects(evaluator.evaluateTest(testRequest(artifactDir, { architecture: wider })),
    (e: { code?: string; message: string }) => e.code === 'WEIGHTS_MISMATCH' && /dense_0\/kernel has shape \[784, 32\], the network needs \[784, 48\]/.test(e.message));
  assert.equal(tf.memory().numTensors, numTensors);
});

test('a search with artifacts tests its best trial once and stores the result on the study', async () => {
  const store = new MemoryStore();
  const bus = new EventBus();
  const tested: number[] = [];
  bus.subscribe((e) => { if (e.type === 'trial.tested') tested.push(e.trialNumber); });
  const candidates: Candidate[] = [16, 4].map((units) => ({ sample: {}, architecture: arch([{ type: 'dense', units, activation: 'relu' }], { level: 0.5 }) }));
  const out = await runSearch({
    store, bus, evaluator, studyName: 'e2e', artifactsRoot: join(dir, 'e2e'),
    definition: { ...definition, training, budget: { maxTrials: 2 }, testTopK: 1 },
    space: { name: 'none', dimensions: [], check: () => undefined, freeze: () => { throw new Error('unused'); } },
    strategy: { init() {}, ask: () => candidates.shift(), tell() {}, snapshot: () => null, restore() {} },
  });
  assert.deepEqual(out.trials.map((t) => t.state), ['completed', 'completed']);
  assert.deepEqual(tested, [out.best!.number]);
  const result = out.study.testResults![out.best!.number]!;
  assert.ok(result.testAccuracy > 0.3 && Number.isFinite(result.testLoss), JSON.stringify(result));
  assert.ok(out.trials.every((t) => t.metrics!.testAccuracy === undefined), 'validation-only trials, untouched');
});
