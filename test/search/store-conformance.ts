import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NewTrial, Store } from '../../search/index.js';
import { architecture, definition, epoch, fullMetrics } from './fixtures.js';

const newTrial = (patch: Partial<NewTrial> = {}): NewTrial => ({ sample: { units: 32, level: 0.9 }, architecture: architecture(), seed: 7, ...patch });

const rejectsWith = (p: Promise<unknown>, code: string) => assert.rejects(p, (err: { code?: string }) => err.code === code);

/**
 * The Store contract of `search/store.ts`, run against every implementation.
 * `makeStore` returns a fresh, empty store; each test closes it.
 */
export function describeStoreConformance(name: string, makeStore: () => Promise<Store>): void {
  const withStore = (fn: (store: Store) => Promise<void>) => async () => {
    const store = await makeStore();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };

  describe(`Store conformance: ${name}`, () => {
    it('creates, gets and lists studies', withStore(async (store) => {
      const def = definition({ seed: 42 });
      const a = await store.createStudy('a', def);
      const b = await store.createStudy('b', definition());
      assert.equal(a.name, 'a');
      assert.equal(a.state, 'running');
      assert.deepEqual(a.definition, def);
      assert.notEqual(a.id, b.id);
      assert.deepEqual(await store.getStudy('a'), a);
      assert.equal(await store.getStudy('missing'), undefined);
      assert.deepEqual((await store.listStudies()).map((s) => s.name), ['a', 'b']);
    }));

    it('refuses a second study with the same name', withStore(async (store) => {
      await store.createStudy('dup', definition());
      await rejectsWith(store.createStudy('dup', definition({ seed: 9 })), 'STUDY_EXISTS');
      assert.equal((await store.listStudies()).length, 1);
    }));

    it('numbers trials 0, 1, 2… per study and starts them running', withStore(async (store) => {
      const s1 = await store.createStudy('s1', definition());
      const s2 = await store.createStudy('s2', definition());
      const t0 = await store.createTrial(s1.id, newTrial({ seed: 1, group: 'searched', label: 'first' }));
      const t1 = await store.createTrial(s1.id, newTrial({ seed: 2 }));
      const u0 = await store.createTrial(s2.id, newTrial({ seed: 3 }));
      assert.deepEqual([t0.number, t1.number, u0.number], [0, 1, 0]);
      assert.equal(t0.state, 'running');
      assert.equal(t0.studyId, s1.id);
      assert.equal(t0.group, 'searched');
      assert.equal(t0.label, 'first');
      assert.equal(t1.seed, 2);
      assert.deepEqual(t0.architecture, architecture());
      assert.deepEqual((await store.getTrials(s1.id)).map((t) => t.number), [0, 1]);
      assert.deepEqual(await store.getTrial(s1.id, 1), t1);
      assert.equal(await store.getTrial(s1.id, 2), undefined);
      await rejectsWith(store.createTrial(s1.id + s2.id + 100, newTrial()), 'STUDY_NOT_FOUND');
    }));

    it('keeps a null architecture and omits unset optional fields', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const t = await store.createTrial(s.id, { sample: {}, architecture: null, seed: 0 });
      assert.equal(t.architecture, null);
      for (const key of ['group', 'label', 'training', 'attributes', 'metrics', 'error', 'finishedAt']) assert.ok(!(key in t), key);
      assert.deepEqual(await store.getTrial(s.id, 0), t);
    }));

    it('finishes a running trial once', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const t = await store.createTrial(s.id, newTrial());
      const done = await store.finishTrial(t.id, { state: 'completed', metrics: fullMetrics() });
      assert.equal(done.state, 'completed');
      assert.equal(typeof done.finishedAt, 'number');
      assert.deepEqual(done.metrics, fullMetrics());
      assert.deepEqual(await store.getTrial(s.id, 0), done);
      const failed = await store.finishTrial((await store.createTrial(s.id, newTrial())).id, { state: 'failed', error: 'boom: out of memory' });
      assert.equal(failed.error, 'boom: out of memory');
      assert.equal(failed.metrics, undefined);
    }));

    it('keeps finished trials immutable', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const t = await store.createTrial(s.id, newTrial());
      await store.addEpoch(t.id, epoch(0));
      const done = await store.finishTrial(t.id, { state: 'pruned', error: 'pruned after epoch 0' });
      await rejectsWith(store.finishTrial(t.id, { state: 'completed', metrics: fullMetrics() }), 'TRIAL_FINISHED');
      await rejectsWith(store.addEpoch(t.id, epoch(1)), 'TRIAL_FINISHED');
      await store.heartbeat(t.id); // a late ping is ignored, not an error
      assert.deepEqual(await store.getTrial(s.id, 0), done);
      assert.deepEqual(await store.getEpochs(t.id), [epoch(0)]);
    }));

    it('reports unknown trials and invalid states', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const t = await store.createTrial(s.id, newTrial());
      await rejectsWith(store.finishTrial(t.id + 1000, { state: 'completed' }), 'TRIAL_NOT_FOUND');
      await rejectsWith(store.addEpoch(t.id + 1000, epoch(0)), 'TRIAL_NOT_FOUND');
      await rejectsWith(store.heartbeat(t.id + 1000), 'TRIAL_NOT_FOUND');
      await rejectsWith(store.finishTrial(t.id, { state: 'running' as 'completed' }), 'TRIAL_STATE_INVALID');
      assert.equal((await store.getTrial(s.id, 0))!.state, 'running');
    }));

    it('returns snapshots: mutating a result changes nothing stored', withStore(async (store) => {
      const def = definition();
      const s = await store.createStudy('s', def);
      def.seed = 999; // the input is copied too
      s.definition.training.epochs = 999;
      s.name = 'renamed';
      const sample = { units: 32 };
      const t = await store.createTrial(s.id, newTrial({ sample, attributes: { tag: 'x' } }));
      sample.units = 1;
      t.sample['units'] = 2;
      t.architecture!.layers.length = 0;
      t.attributes!['tag'] = 'y';
      const e = epoch(0);
      await store.addEpoch(t.id, e);
      e.valAccuracy = -1;
      (await store.getEpochs(t.id))[0]!.valLoss = -1;
      const metrics = fullMetrics();
      const done = await store.finishTrial(t.id, { state: 'completed', metrics });
      metrics.layers[0]!.params = -1;
      done.metrics!.valAccuracy = -1;
      (await store.listStudies())[0]!.state = 'stopped';

      const study = (await store.getStudy('s'))!;
      assert.equal(study.definition.seed, definition().seed);
      assert.equal(study.definition.training.epochs, definition().training.epochs);
      assert.equal(study.state, 'running');
      const stored = (await store.getTrial(s.id, 0))!;
      assert.deepEqual(stored.sample, { units: 32 });
      assert.deepEqual(stored.architecture, architecture());
      assert.deepEqual(stored.attributes, { tag: 'x' });
      assert.deepEqual(stored.metrics, fullMetrics());
      assert.deepEqual(await store.getEpochs(t.id), [epoch(0)]);
    }));

    it('returns epochs in epoch order, per trial', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const t = await store.createTrial(s.id, newTrial());
      const other = await store.createTrial(s.id, newTrial());
      for (const e of [2, 0, 1]) await store.addEpoch(t.id, epoch(e));
      await store.addEpoch(other.id, epoch(0, 0.1));
      await rejectsWith(store.addEpoch(t.id, epoch(1)), 'EPOCH_EXISTS');
      assert.deepEqual(await store.getEpochs(t.id), [epoch(0), epoch(1), epoch(2)]);
      assert.deepEqual(await store.getEpochs(other.id), [epoch(0, 0.1)]);
      const minimal = { epoch: 0, trainLoss: 1, valLoss: 2, valAccuracy: NaN, elapsedMs: 4 };
      const third = await store.createTrial(s.id, newTrial());
      await store.addEpoch(third.id, minimal);
      assert.deepEqual(await store.getEpochs(third.id), [minimal]);
    }));

    it("keeps a training method's per-epoch outputs with the epoch, as snapshots", withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const t = await store.createTrial(s.id, newTrial());
      const outputs = { phase: 'prune', entropy: { normal: 2.07, reduce: 2.05 }, genotype: [['sep_conv_3x3', 0], ['skip_connect', 1]], done: false, note: null };
      const first = { ...epoch(0), outputs };
      await store.addEpoch(t.id, first);
      await store.addEpoch(t.id, epoch(1));
      outputs.phase = 'changed';
      const got = await store.getEpochs(t.id);
      assert.deepEqual(got, [{ ...epoch(0), outputs: { ...outputs, phase: 'prune' } }, epoch(1)]);
      assert.equal('outputs' in got[1]!, false, 'an epoch without outputs has no outputs key');
      got[0]!.outputs!['phase'] = 'mutated';
      assert.equal((await store.getEpochs(t.id))[0]!.outputs!['phase'], 'prune');
    }));

    it('deletes a study with its trials and epochs only', withStore(async (store) => {
      const gone = await store.createStudy('gone', definition());
      const kept = await store.createStudy('kept', definition());
      const t = await store.createTrial(gone.id, newTrial());
      await store.addEpoch(t.id, epoch(0));
      const k = await store.createTrial(kept.id, newTrial());
      await store.addEpoch(k.id, epoch(0));
      await store.deleteStudy(gone.id);
      assert.equal(await store.getStudy('gone'), undefined);
      assert.deepEqual(await store.getTrials(gone.id), []);
      assert.deepEqual(await store.getEpochs(t.id), []);
      assert.equal((await store.getTrials(kept.id)).length, 1);
      assert.deepEqual(await store.getEpochs(k.id), [epoch(0)]);
      await rejectsWith(store.deleteStudy(gone.id), 'STUDY_NOT_FOUND');
      // the name is free again
      assert.equal((await store.createStudy('gone', definition())).name, 'gone');
    }));

    it('round-trips study updates, strategy state included', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const state = { generation: 3, population: [{ sample: { units: 64 }, fitness: 0.91 }], rng: 123456789, done: false, parent: null };
      await store.updateStudy(s.id, { strategyState: state, backend: 'wasm', dataChecksums: { 'train.gz': 'ab12' } });
      await store.updateStudy(s.id, { state: 'stopped' });
      const got = (await store.getStudy('s'))!;
      assert.deepEqual(got.strategyState, state);
      assert.equal(got.backend, 'wasm');
      assert.deepEqual(got.dataChecksums, { 'train.gz': 'ab12' });
      assert.equal(got.state, 'stopped');
      assert.ok(got.updatedAt >= s.updatedAt);
      await store.updateStudy(s.id, { strategyState: null });
      assert.equal((await store.getStudy('s'))!.strategyState, null);
      await rejectsWith(store.updateStudy(s.id + 1000, { state: 'finished' }), 'STUDY_NOT_FOUND');
    }));

    it('round-trips study-level test results; a patch replaces them and leaves the rest', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      assert.equal(s.testResults, undefined);
      await store.updateStudy(s.id, { backend: 'wasm', strategyState: { cursor: 4 } });
      const first = { 3: { testAccuracy: 0.9125, testLoss: 0.3017, evaluatedAt: 1_700_000_000_123 } };
      await store.updateStudy(s.id, { testResults: first });
      const got = (await store.getStudy('s'))!;
      assert.deepEqual(got.testResults, first);
      assert.equal(got.backend, 'wasm');
      assert.deepEqual(got.strategyState, { cursor: 4 });
      // a snapshot: changing what was returned changes nothing stored
      got.testResults![3]!.testAccuracy = 0;
      assert.equal((await store.getStudy('s'))!.testResults![3]!.testAccuracy, 0.9125);
      const both = { ...first, 0: { testAccuracy: 0.5, testLoss: 1.25, evaluatedAt: 1_700_000_000_456 } };
      await store.updateStudy(s.id, { testResults: both });
      await store.updateStudy(s.id, { state: 'finished' });
      assert.deepEqual((await store.getStudy('s'))!.testResults, both);
      assert.deepEqual((await store.listStudies())[0]!.testResults, both);
    }));

    it('round-trips full metrics with layers, outputs and non-finite extras', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const t = await store.createTrial(s.id, newTrial({ training: { epochs: 1, learningRate: 0.01 }, attributes: { parent: 3, ops: ['a', 'b'] } }));
      await store.finishTrial(t.id, { state: 'completed', metrics: fullMetrics(0.875) });
      const got = (await store.getTrials(s.id))[0]!;
      assert.deepEqual(got.metrics, fullMetrics(0.875));
      assert.equal(got.metrics!.extra!['epochsToThreshold'], Infinity);
      assert.deepEqual(got.training, { epochs: 1, learningRate: 0.01 });
      assert.deepEqual(got.attributes, { parent: 3, ops: ['a', 'b'] });
    }));

    it('serves concurrent calls without losing or duplicating trial numbers', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const trials = await Promise.all(Array.from({ length: 20 }, (_, i) => store.createTrial(s.id, newTrial({ seed: i }))));
      assert.deepEqual(trials.map((t) => t.number).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
      await Promise.all(trials.map((t) => store.finishTrial(t.id, { state: 'completed', metrics: fullMetrics(t.seed / 20) })));
      const again = await Promise.allSettled(trials.slice(0, 5).map((t) => store.finishTrial(t.id, { state: 'failed' })));
      assert.ok(again.every((r) => r.status === 'rejected'));
      assert.ok((await store.getTrials(s.id)).every((t) => t.state === 'completed'));
    }));

    it('finishes calls made before close and rejects calls after it', async () => {
      const store = await makeStore();
      const pending = store.createStudy('last', definition());
      const closing = store.close();
      await rejectsWith(store.getStudy('last'), 'STORE_CLOSED');
      assert.equal((await pending).name, 'last');
      await closing;
      await rejectsWith(store.listStudies(), 'STORE_CLOSED');
      await store.close(); // closing twice is harmless
    });
  });
}
