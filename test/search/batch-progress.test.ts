// Issue 17 defect 9: the dashboard showed nothing inside a CNN epoch (28 s) because progress
// came only per epoch. Evaluators report each batch (TrialReporter.batchEnded); the runner
// publishes `trial.progress`, at most one per PROGRESS_EVERY_MS, and the dashboard shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, PROGRESS_EVERY_MS, runSearch } from '../../search/index.js';
import type { SearchEvent } from '../../search/index.js';
import { initialSearchState, reduceSearchState } from '../../cli/ui/index.js';
import { definition } from './fixtures.js';
import { trial as fakeTrial } from '../cli/fake-study.js';
import { FakeEvaluator, ScriptedStrategy, counting, fakeSpace, recordingBus, trainNormally } from './runner-fakes.js';

test('batches reported by the evaluator become throttled trial.progress events, before the epoch ends', async () => {
  let clock = 1_000;
  const evaluator = new FakeEvaluator(() => async (req, reporter, signal) => {
    for (let b = 1; b <= 100; b++) {
      clock += 50;   // a 50 ms batch: 100 batches in 5 s
      reporter.batchEnded?.({ epoch: 1, batch: b, batches: 100 });
    }
    return trainNormally(req, reporter, signal);
  });
  const { bus, events } = recordingBus();
  await runSearch({
    store: new MemoryStore({ now: () => clock }), strategy: new ScriptedStrategy(counting), space: fakeSpace, evaluator, bus,
    studyName: 'study', now: () => clock, definition: definition({ seed: 1, budget: { maxTrials: 1 }, testTopK: 0 }),
  });
  const progress = events.filter((e): e is Extract<SearchEvent, { type: 'trial.progress' }> => e.type === 'trial.progress');
  // 5 s of batches, one event per 250 ms at most
  assert.ok(progress.length >= 5000 / PROGRESS_EVERY_MS - 1 && progress.length <= 5000 / PROGRESS_EVERY_MS + 1, `${progress.length} events`);
  assert.deepEqual(progress[0]!.batch, 1);
  assert.ok(progress.every((p, i) => i === 0 || p.at - progress[i - 1]!.at >= PROGRESS_EVERY_MS));
  const types = events.map((e) => e.type);
  assert.ok(types.lastIndexOf('trial.progress') < types.indexOf('trial.epochEnded'), 'progress comes inside the epoch');
});

test('the dashboard state shows the batch progress of a running trial, cleared when the epoch ends', () => {
  let s = initialSearchState();
  const trial = { ...fakeTrial(0), id: 7, state: 'running' as const };
  s = reduceSearchState(s, { type: 'trial.started', at: 1, trial, totalEpochs: 2 });
  s = reduceSearchState(s, { type: 'trial.progress', at: 2, trialId: 7, trialNumber: 0, totalEpochs: 2, epoch: 1, batch: 120, batches: 469 });
  assert.deepEqual(s.running[0]!.batch, { epoch: 1, batch: 120, batches: 469 });
  s = reduceSearchState(s, { type: 'trial.epochEnded', at: 3, trialId: 7, trialNumber: 0, totalEpochs: 2, metrics: { epoch: 1, trainLoss: 1, valLoss: 1, valAccuracy: 0.5, elapsedMs: 1 } });
  assert.equal(s.running[0]!.batch, undefined);
});
