import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ConfigError, DEFAULT_DEFINITION, type EvaluationRequest, type StudyDefinition } from '../../search/index.js';
import { TfjsEvaluator } from '../../evaluators/tfjs-evaluator.js';
import { tfjsEvaluatorFactory } from '../../evaluators/module.js';
import { median } from '../../evaluators/latency.js';
import { syntheticDataset } from '../../evaluators/synthetic-dataset.js';
import { arch, recorder, TRAINING, useBackend } from './helpers.js';

// No timing assertions: only that latency is measured, on the trial's backend, positive and finite.
await useBackend('wasm');
const definition: StudyDefinition = { ...DEFAULT_DEFINITION, backend: 'wasm', dataset: { name: 'blobs', validationFraction: 0.2 } };
const loader = async () => syntheticDataset({ shape: [12], classes: 3, train: 120, validation: 30, test: 30 }, 5);
const request: EvaluationRequest = {
  studyName: 's', trialNumber: 0, seed: 7, dataset: definition.dataset, training: { ...TRAINING, epochs: 1 },
  architecture: arch([{ type: 'dense', units: 16, activation: 'relu' }], { level: 0.5 }),
};

test('every trained trial reports its inference latency at batch 1 and 128 (ms, positive, finite), leaking no tensor', async () => {
  const ev = new TfjsEvaluator({ loader, latencyRepeats: 2 });
  await ev.prepare(definition);
  const before = tf.memory().numTensors;
  const m = await ev.evaluate(request, recorder(), new AbortController().signal);
  assert.equal(tf.memory().numTensors, before);
  for (const v of [m.latencyMsB1, m.latencyMsB128]) assert.ok(typeof v === 'number' && Number.isFinite(v) && v > 0, String(v));
  assert.equal(m.backend, 'wasm');
  await ev.dispose();
});

test('latencyRepeats: 0 turns it off; then constraints.maxLatencyMs is refused by name', async () => {
  const ev = new TfjsEvaluator({ loader, latencyRepeats: 0 });
  await ev.prepare(definition);
  const m = await ev.evaluate(request, recorder(), new AbortController().signal);
  assert.equal(m.latencyMsB1, undefined);
  assert.equal(m.latencyMsB128, undefined);
  await assert.rejects(ev.prepare({ ...definition, constraints: { maxLatencyMs: 2 } }), (e: unknown) => e instanceof ConfigError && /latencyRepeats is 0/.test(e.message));
  await ev.dispose();
});

test('evaluator.options.latencyRepeats is checked; median is the middle value', () => {
  assert.throws(() => tfjsEvaluatorFactory().create({ latencyRepeats: -1 }), /evaluator\.options\.latencyRepeats must be an integer >= 0/);
  assert.ok(tfjsEvaluatorFactory().create({ latencyRepeats: 0 }));
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});
