import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_DEFINITION, EventBus, runSearch, SqliteStore, type EpochMetrics, type SearchEvent, type StudyDefinition } from '../../../../search/index.js';
import { JsonReporter } from '../../../../cli/reporters/index.js';
import { syntheticDataset } from '../../../../evaluators/synthetic-dataset.js';
import { TfjsEvaluator } from '../../../../evaluators/tfjs-evaluator.js';
import { MlpSpace } from '../../../../spaces/index.js';
import { WgsefStrategy } from '../../../../strategies/index.js';
import { useBackend } from '../../helpers.js';

await useBackend('wasm');

// What the store kept of this search when WGSEF still ran as `training.regularizer`, its proximal
// math in strategies/wgsef (main at 53eb352), recorded by fixtures/record-wgsef-golden.mjs.
interface GoldenTrial {
  number: number; group: string; label: string; state: string; architecture: unknown;
  metrics: Record<string, unknown>; epochs: Omit<EpochMetrics, 'elapsedMs'>[];
}
const GOLDEN = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../../test/evaluators/methods/wgsef/fixtures/wgsef-before-methods.json', import.meta.url)), 'utf8')) as { reason: string; trials: GoldenTrial[] };
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-wgsef-golden-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a seeded wgsef search stores the same numbers as before training methods (metrics, epochs, survivors), and its per-epoch outputs reach the store, trial.epochEnded and NDJSON', async () => {
  // The same search as the recording script: keep the two in step.
  const data = syntheticDataset({ shape: [10], classes: 3, train: 192, validation: 48, test: 24 }, 4);
  const definition: StudyDefinition = {
    ...structuredClone(DEFAULT_DEFINITION), seed: 5, backend: 'wasm',
    space: { name: 'mlp', options: {} },
    strategy: { name: 'wgsef', options: { k: 3, finetuneEpochs: 1, penalty: ['envelope', 'group-lasso'], lambda: { initial: 0.5, growth: 2, max: 1e4, everySteps: 2 } } },
    training: { epochs: 2, batchSize: 32, optimizer: 'adam', learningRate: 0.01 },
    budget: { maxTrials: 10 },
  };
  const store = await SqliteStore.open(join(dir, 'golden.db'));
  const bus = new EventBus();
  const events: SearchEvent[] = [];
  bus.subscribe((e) => events.push(e));
  const ndjson = { text: '', write(s: string) { this.text += s; } };
  const attached = new JsonReporter().attach(bus.events$, { out: ndjson, err: { write: () => {} } });
  const before = tf.memory().numTensors;
  try {
    const outcome = await runSearch({
      store, strategy: new WgsefStrategy(), space: new MlpSpace({ maxLayers: 2, widths: [12, 20] }),
      evaluator: new TfjsEvaluator({ loader: async () => data }), bus, definition, studyName: 'golden',
    });
    assert.equal(tf.memory().numTensors, before, 'no tensor outlives the grouped and derived trials');
    assert.equal(outcome.reason, GOLDEN.reason);
    const study = (await store.getStudy('golden'))!;
    const trials = await store.getTrials(study.id);
    assert.equal(trials.length, GOLDEN.trials.length);
    const stored = new Map<number, EpochMetrics[]>();
    for (const [i, want] of GOLDEN.trials.entries()) {
      const got = trials[i]!;
      const name = `trial ${got.number} (${got.group}/${got.label})`;
      assert.deepEqual([got.number, got.group, got.label, got.state], [want.number, want.group, want.label, want.state], name);
      assert.deepEqual(got.architecture, want.architecture, `${name}: architecture`);
      // Every metric the old code stored, bit for bit (wall-clock fields were left out of the recording).
      for (const [key, value] of Object.entries(want.metrics)) {
        assert.deepEqual((got.metrics as unknown as Record<string, unknown>)[key], value, `${name}: metrics.${key}`);
      }
      const epochs = await store.getEpochs(got.id);
      stored.set(got.id, epochs);
      assert.deepEqual(epochs.map(({ elapsedMs: _t, outputs: _o, ...e }) => e), want.epochs, `${name}: epochs`);
    }
    // New with training methods: what the method reports per epoch, stored with the epoch.
    const lambdaOutputs = [
      { lambda: 4, nonZeroGroups: { dense_0: 20, dense_1: 20 }, projected: false },
      { lambda: 32, nonZeroGroups: { dense_0: 3, dense_1: 3 }, projected: true },
      { lambda: 32, nonZeroGroups: { dense_0: 3, dense_1: 3 }, projected: true },
    ];
    assert.deepEqual(trials.map((t) => stored.get(t.id)!.map((e) => e.outputs)), [lambdaOutputs, [undefined, undefined], lambdaOutputs, [undefined, undefined]]);
    // The same outputs on the bus and in the NDJSON lines, epoch by epoch.
    const byTrial = (list: { trialId: number; metrics: EpochMetrics }[]) => trials.map((t) => list.filter((e) => e.trialId === t.id).map((e) => e.metrics.outputs));
    const onBus = events.flatMap((e) => (e.type === 'trial.epochEnded' ? [e] : []));
    assert.deepEqual(byTrial(onBus), trials.map((t) => stored.get(t.id)!.map((e) => e.outputs)));
  } finally {
    await store.close();
  }
  await attached.done; // search.finished
  const lines = ndjson.text.trimEnd().split('\n').map((l) => JSON.parse(l) as SearchEvent);
  const epochLines = lines.flatMap((e) => (e.type === 'trial.epochEnded' ? [e] : []));
  assert.equal(epochLines.length, 3 + 2 + 3 + 2);
  assert.deepEqual(epochLines[1]!.metrics.outputs, { lambda: 32, nonZeroGroups: { dense_0: 3, dense_1: 3 }, projected: true });
  assert.ok(!('outputs' in epochLines[3]!.metrics), 'a derived run reports no method outputs');
});
