// WGSEF vs group lasso at the same k on the embedded Fashion-MNIST subset: for each penalty and
// k, a grouped run (proximal training, λ raised until ≤ k neurons per layer, top-k projection,
// fine-tune) and the derived narrow MLP retrained from scratch. Prints one row per run.
// Run: npx tsc -p . && node dist/bench/wgsef-reproduce.js [k,k,...] [epochs]
import '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_DEFINITION, EventBus, MemoryStore, runSearch, type StudyDefinition } from '../search/index.js';
import { TfjsEvaluator } from '../evaluators/tfjs-evaluator.js';
import { MlpSpace } from '../spaces/index.js';
import { WgsefStrategy } from '../strategies/index.js';

const ks = (process.argv[2] ?? '16,32').split(',').map(Number);
const epochs = Number(process.argv[3] ?? 3);
const definition: StudyDefinition = {
  ...structuredClone(DEFAULT_DEFINITION), seed: 1, backend: 'wasm',
  dataset: { name: 'embedded', validationFraction: 1 / 9 },
  space: { name: 'mlp', options: {} },
  strategy: {
    name: 'wgsef',
    options: {
      k: ks, penalty: ['envelope', 'envelope-minus-l2', 'group-lasso'], finetuneEpochs: 1,
      base: { layers: 2, width_0: 256, width_1: 128, activation: 'relu' },
    },
  },
  training: { epochs, batchSize: 128, optimizer: 'adam', learningRate: 1e-3 },
  budget: { maxTrials: 100 },
};
const started = Date.now();
const outcome = await runSearch({
  store: new MemoryStore(), strategy: new WgsefStrategy(), space: new MlpSpace({ maxLayers: 2, widths: [128, 256] }),
  evaluator: new TfjsEvaluator(), bus: new EventBus(), definition, studyName: 'wgsef-reproduce',
});
const rows = outcome.trials.map((t) => {
  const o = (t.metrics?.outputs ?? {}) as { nonZeroGroups?: Record<string, number>; finalLambda?: number; reachedK?: boolean };
  return {
    group: t.group, label: t.label, state: t.state,
    valAccuracy: t.metrics ? Number(t.metrics.valAccuracy.toFixed(4)) : NaN,
    params: t.metrics?.params, nonZeros: t.metrics?.nonZeros,
    widths: t.architecture?.layers.map((l) => (l.type === 'dense' ? l.units : '')).join('-'),
    nonZeroBeforeProjection: o.nonZeroGroups ? Object.values(o.nonZeroGroups).join('/') : '',
    finalLambda: o.finalLambda, reachedK: o.reachedK,
  };
});
console.log(`backend wasm, ${definition.training.epochs} epochs (+1 fine-tune for grouped runs), ${((Date.now() - started) / 1000).toFixed(0)} s`);
console.table(rows);
