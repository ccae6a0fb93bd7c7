// Regression tests for the faults adversarial testing found (issue 13, "Faults found by
// adversarial testing"): seeds after a kill, BigInt values, unvalidated ready-made overrides.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, deriveSeed, runSearch } from '../../search/index.js';
import type { Candidate, RunnerOptions, StudyDefinition } from '../../search/index.js';
import { definition } from './fixtures.js';
import { FakeEvaluator, ScriptedStrategy, counting, fakeSpace, recordingBus, trainNormally } from './runner-fakes.js';
import type { Behaviour, Step } from './runner-fakes.js';

function def(maxTrials: number): StudyDefinition {
  const d = definition({ seed: 23, budget: { maxTrials }, testTopK: 0 });
  d.training.epochs = 1;
  return d;
}

function setup(o: { script?: readonly Step[] | ((i: number) => Step); behaviour?: (n: number) => Behaviour } & Partial<RunnerOptions> = {}) {
  const { bus, events } = recordingBus();
  const strategy = new ScriptedStrategy(o.script ?? counting);
  const evaluator = new FakeEvaluator(o.behaviour);
  const store = o.store ?? new MemoryStore();
  const opts: RunnerOptions = { store, strategy, space: fakeSpace, evaluator, bus, definition: def(8), studyName: 'study', ...o };
  return { events, strategy, evaluator, store, run: () => runSearch(opts) };
}

/** units → the seeds the evaluator trained that candidate with (every attempt). */
function seedsByCandidate(requests: readonly { architecture: { layers: readonly unknown[] }; seed: number }[]): Map<number, number[]> {
  const m = new Map<number, number[]>();
  for (const r of requests) {
    const units = (r.architecture.layers[0] as { units: number }).units;
    m.set(units, [...(m.get(units) ?? []), r.seed]);
  }
  return m;
}

describe('adversarial faults (issue 13)', () => {
  it('a study stopped twice mid-way and resumed trains every candidate with the seed of the unkilled study', async () => {
    const unkilled = setup({ definition: def(8) });
    const reference = await unkilled.run();
    assert.equal(reference.trials.length, 8);
    const expected = seedsByCandidate(unkilled.evaluator.requests);
    assert.equal(expected.size, 8);
    for (const [i, t] of reference.trials.entries()) assert.equal(t.seed, deriveSeed(23, 'trial', i));

    // The same study, stopped while trial 2 trains, resumed, stopped again while trial 5 trains
    // (after the redo of trial 2 has made the trial numbers run ahead of the positions), resumed.
    const store = new MemoryStore();
    const trained: { architecture: { layers: readonly unknown[] }; seed: number }[] = [];
    for (const stopAt of [2, 6, -1]) {
      const controller = new AbortController();
      // Ctrl-C while the trial trains: the evaluator stops, the trial ends interrupted.
      const stopping: Behaviour = async () => {
        controller.abort();
        throw new Error('training aborted');
      };
      const run = setup({ store, definition: def(8), resume: stopAt !== 2, signal: controller.signal, behaviour: (n) => (n === stopAt ? stopping : trainNormally) });
      const out = await run.run();
      trained.push(...run.evaluator.requests);
      assert.equal(out.reason, stopAt === -1 ? 'max-trials' : 'stopped');
    }
    const trials = await store.getTrials(1);
    assert.deepEqual(trials.map((t) => t.state).filter((s) => s === 'interrupted').length, 2, 'two kills, two interrupted trials');
    assert.equal(trials.filter((t) => t.state === 'completed').length, 8);
    const got = seedsByCandidate(trained);
    assert.deepEqual([...got.keys()].sort((a, b) => a - b), [...expected.keys()].sort((a, b) => a - b), 'the same candidates');
    for (const [units, seeds] of got) {
      for (const seed of seeds) assert.equal(seed, expected.get(units)![0], `candidate units=${units}: every attempt trains with its unkilled seed`);
    }
  });
});
