import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_DEFINITION, EventBus, MemoryStore, runSearch, type StudyDefinition } from '../../../../search/index.js';
import { syntheticDataset } from '../../../../evaluators/synthetic-dataset.js';
import { TfjsEvaluator } from '../../../../evaluators/tfjs-evaluator.js';
import { MlpSpace } from '../../../../spaces/index.js';
import { WgsefStrategy } from '../../../../strategies/index.js';
import { useBackend } from '../../helpers.js';

await useBackend('wasm');

test('a wgsef search end to end: grouped run to exactly k neurons per layer, then the derived narrow network retrained', async () => {
  const data = syntheticDataset({ shape: [10], classes: 3, train: 192, validation: 48, test: 24 }, 4);
  const definition: StudyDefinition = {
    ...structuredClone(DEFAULT_DEFINITION), seed: 5, backend: 'wasm',
    space: { name: 'mlp', options: {} },
    strategy: { name: 'wgsef', options: { k: 3, finetuneEpochs: 1, penalty: ['envelope', 'group-lasso'], lambda: { initial: 0.5, growth: 2, max: 1e4, everySteps: 2 } } },
    training: { epochs: 2, batchSize: 32, optimizer: 'adam', learningRate: 0.01 },
    budget: { maxTrials: 10 },
  };
  const before = tf.memory().numTensors;
  const outcome = await runSearch({
    store: new MemoryStore(), strategy: new WgsefStrategy(), space: new MlpSpace({ maxLayers: 2, widths: [12, 20] }),
    evaluator: new TfjsEvaluator({ loader: async () => data }), bus: new EventBus(), definition, studyName: 'wgsef-e2e',
  });
  assert.equal(outcome.reason, 'exhausted');
  assert.deepEqual(outcome.trials.map((t) => `${t.group}/${t.label}/${t.state}`), [
    'wgsef-k3/grouped/completed', 'wgsef-k3/derived/completed', 'group-lasso-k3/grouped/completed', 'group-lasso-k3/derived/completed',
  ]);
  const [grouped, derived] = outcome.trials;
  assert.deepEqual(grouped!.architecture!.layers.map((l) => l.type === 'dense' && l.units), [20, 20], 'the parent is the widest point');
  assert.equal(grouped!.training!.epochs, 3);
  const survivors = (grouped!.metrics!.outputs as { survivors: Record<string, number[]> }).survivors;
  assert.deepEqual(Object.values(survivors).map((s) => s.length), [3, 3]);
  assert.deepEqual(derived!.architecture!.layers.map((l) => l.type === 'dense' && l.units), [3, 3]);
  assert.ok(derived!.metrics!.params < grouped!.metrics!.params / 4);
  assert.equal(tf.memory().numTensors, before);
});
