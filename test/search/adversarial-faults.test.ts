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

describe('adversarial faults (issue 13): values a strategy hands over', () => {
  it('a BigInt in a candidate\'s attributes, sample or training fails that trial with a clear message; the search goes on', async () => {
    const script = [
      { sample: { units: 1 }, attributes: { rng: 10n } },
      { sample: { units: 2, extra: 3n } },
      { sample: { units: 3 }, training: { epochs: 1n } },
      { sample: { units: 4 } },
    ] as unknown as Step[];
    const { run, store } = setup({ script, definition: def(4) });
    const out = await run();
    assert.deepEqual(out.trials.map((t) => t.state), ['failed', 'failed', 'failed', 'completed']);
    assert.match(out.trials[0]!.error!, /^strategy random returned an invalid candidate from ask\(\): candidate\.attributes cannot be stored as JSON \(Do not know how to serialize a BigInt\)/);
    assert.match(out.trials[1]!.error!, /candidate\.sample cannot be stored as JSON/);
    assert.match(out.trials[2]!.error!, /candidate\.training cannot be stored as JSON/);
    assert.equal(out.trials[0]!.attributes, undefined, 'what cannot be stored is left out');
    assert.deepEqual(out.trials[1]!.sample, {});
    assert.equal(out.study.state, 'finished');
    assert.ok((await store.getTrials(1)).every((t) => t.state !== 'running' && t.state !== 'waiting'), 'nothing left running');
  });

  it('a BigInt in the strategy snapshot fails the study cleanly: nothing left running, the worker ended', async () => {
    class BigSnapshot extends ScriptedStrategy {
      override snapshot() {
        return (this.cursor >= 2 ? { cursor: BigInt(this.cursor) } : { cursor: this.cursor }) as unknown as ReturnType<ScriptedStrategy['snapshot']>;
      }
    }
    const { bus } = recordingBus();
    const store = new MemoryStore();
    const done = runSearch({ store, strategy: new BigSnapshot(counting), space: fakeSpace, evaluator: new FakeEvaluator(), bus, definition: def(4), studyName: 'study', strategyName: '"big"' });
    await assert.rejects(done, (err: { code?: string; message: string }) => err.code === 'STRATEGY_FAILED'
      && /strategy "big" snapshot\(\) returned a value that cannot be stored as JSON \(Do not know how to serialize a BigInt\)/.test(err.message));
    const study = (await store.getStudy('study'))!;
    assert.equal(study.state, 'interrupted');
    assert.ok((await store.getTrials(study.id)).every((t) => t.state !== 'running'), 'nothing left running');
    assert.ok((await store.getWorkers(study.id)).every((w) => w.endedAt !== undefined));
  });

  it('validates ready-made architecture and training overrides, naming the strategy and the field; the search goes on', async () => {
    const base = { family: 'mlp', input: 'flat', sparsity: { level: 0, kind: 'unstructured', method: 'static', init: 'magnitude', distribution: 'uniform' } };
    const script = [
      { sample: { units: 1 }, architecture: { ...base, layers: 'dense' } },
      { sample: { units: 2 }, architecture: { ...base, layers: [{ type: 'dense', units: 4 }, { type: 'transformer' }] } },
      { sample: { units: 3 }, architecture: { ...base, layers: [{ type: 'sum', branches: [[{ type: 'nope' }]] }] } },
      { sample: { units: 4 }, training: { epochs: -5 } },
      { sample: { units: 5 }, training: { epochs: 1.5 } },
      { sample: { units: 6 }, training: { batchSize: 0 } },
      { sample: { units: 7 }, training: 'fast' },
      { sample: { units: 8 }, architecture: { ...base, layers: [{ type: 'dense', units: 8, activation: 'relu' }] }, training: { epochs: 1, batchSize: 16 } },
    ] as unknown as Step[];
    const { run, evaluator } = setup({ script, definition: def(8) });
    const out = await run();
    assert.deepEqual(out.trials.map((t) => t.state), ['failed', 'failed', 'failed', 'failed', 'failed', 'failed', 'failed', 'completed']);
    const errors = out.trials.map((t) => t.error ?? '');
    for (const e of errors.slice(0, 7)) assert.match(e, /^strategy random returned an invalid candidate from ask\(\): candidate\./);
    assert.match(errors[0]!, /candidate\.architecture\.layers must be an array of layers, got "dense"/);
    assert.match(errors[1]!, /candidate\.architecture\.layers\[1\]\.type "transformer" is not a known layer type; known types: dense, conv2d/);
    assert.match(errors[2]!, /candidate\.architecture\.layers\[0\]\.branches\[0\]\[0\]\.type "nope" is not a known layer type/);
    assert.match(errors[3]!, /candidate\.training\.epochs must be a positive integer, got -5/);
    assert.match(errors[4]!, /candidate\.training\.epochs must be a positive integer, got 1\.5/);
    assert.match(errors[5]!, /candidate\.training\.batchSize must be a positive integer, got 0/);
    assert.match(errors[6]!, /candidate\.training must be an object of training overrides, got "fast"/);
    assert.ok(out.trials.slice(0, 3).every((t) => t.architecture === null), 'a malformed network is not stored for reporters to meet');
    assert.equal(evaluator.requests.length, 1, 'only the valid candidate reached the evaluator');
    assert.equal(evaluator.requests[0]!.training.batchSize, 16);
  });
});

describe('adversarial faults (issue 13): resume --trials N', () => {
  it('keeps the stored time limit, also when the budget passed names it as undefined', async () => {
    const { resumedDefinition } = await import('../../cli/api.js');
    const stored = definition({ budget: { maxTrials: 10, timeLimitMinutes: 0.05 } });
    assert.deepEqual(resumedDefinition(stored, { maxTrials: 50 }).budget, { maxTrials: 50, timeLimitMinutes: 0.05 });
    assert.deepEqual(resumedDefinition(stored, { maxTrials: 50, timeLimitMinutes: undefined }).budget, { maxTrials: 50, timeLimitMinutes: 0.05 });
    assert.equal(resumedDefinition(stored, undefined), stored);
  });

  it('a resumed study with a raised trial budget stops at its time limit (clock injected)', async () => {
    const clock = { t: 1_700_000_000_000 };
    const store = new MemoryStore({ now: () => clock.t });
    // Every trial takes 10 s of the store's clock; the limit is 3 s per run.
    const tenSeconds: Behaviour = async (req, reporter, signal) => { clock.t += 10_000; return trainNormally(req, reporter, signal); };
    const d = { ...def(2), budget: { maxTrials: 2, timeLimitMinutes: 0.05 } };
    await setup({ store, definition: d, behaviour: () => tenSeconds }).run();
    const { resumedDefinition } = await import('../../cli/api.js');
    const stored = (await store.getStudy('study'))!.definition;
    const out = await setup({ store, definition: resumedDefinition(stored, { maxTrials: 1000 }), resume: true, behaviour: () => tenSeconds }).run();
    assert.equal(out.reason, 'time-limit');
    assert.equal(out.trials.length, 2, 'the first run stopped after 1 trial, the resume after 1 more');
    assert.deepEqual(out.study.definition.budget, { maxTrials: 1000, timeLimitMinutes: 0.05 });
  });
});

describe('adversarial faults (issue 13): values an evaluator hands back', () => {
  it('metrics that cannot be stored as JSON fail that trial, naming the evaluator; nothing left running', async () => {
    const bigExtra: Behaviour = async (req, reporter, signal) => {
      const m = await trainNormally(req, reporter, signal);
      return { ...m, extra: { ...m.extra, flops: 10n as unknown as number } };
    };
    const { run, store } = setup({ definition: def(2), behaviour: (n) => (n === 0 ? bigExtra : trainNormally) });
    const out = await run();
    assert.deepEqual(out.trials.map((t) => t.state), ['failed', 'completed']);
    assert.match(out.trials[0]!.error!, /^evaluator "[^"]+" returned metrics that cannot be stored as JSON \(Do not know how to serialize a BigInt\)/);
    assert.ok((await store.getTrials(1)).every((t) => t.state !== 'running'));
  });
});
