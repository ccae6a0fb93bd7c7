import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, runSearch } from '../../search/index.js';
import type { Metrics, RunnerOptions, Store, StudyDefinition, TestRequest } from '../../search/index.js';
import { definition, fullMetrics } from './fixtures.js';
import { FakeEvaluator, ScriptedStrategy, counting, fakeSpace, recordingBus, trainNormally } from './runner-fakes.js';
import type { Behaviour } from './runner-fakes.js';

/** Trains like `trainNormally` (accuracy grows with the width) but reports no test accuracy of its own. */
const validationOnly: Behaviour = async (req, reporter, signal) => {
  const { testAccuracy: _a, testLoss: _l, ...rest } = await trainNormally(req, reporter, signal);
  return rest as Metrics;
};

/** A fake evaluator that can also test: test accuracy = 1 − trial number / 100, recorded per call. */
class TestingEvaluator extends FakeEvaluator {
  readonly tested: TestRequest[] = [];
  constructor(behaviour: (n: number) => Behaviour = () => validationOnly, private readonly failOn = new Set<number>(), private readonly nanOn = new Set<number>()) {
    super(behaviour);
  }
  async evaluateTest(req: TestRequest) {
    this.tested.push(structuredClone(req));
    if (this.failOn.has(req.trialNumber)) throw new Error(`cannot read ${req.artifactDir}/weights.json`);
    return { testAccuracy: 1 - req.trialNumber / 100, testLoss: this.nanOn.has(req.trialNumber) ? NaN : req.trialNumber / 10 };
  }
}

function def(maxTrials: number, patch: Partial<StudyDefinition> = {}): StudyDefinition {
  return definition({ seed: 5, budget: { maxTrials }, ...patch });
}

function setup(o: { evaluator?: FakeEvaluator; definition: StudyDefinition; store?: Store } & Partial<RunnerOptions>) {
  const { bus, events } = recordingBus();
  const evaluator = o.evaluator ?? new TestingEvaluator();
  const store = o.store ?? new MemoryStore({ now: () => 1_000 });
  const opts: RunnerOptions = {
    store, strategy: new ScriptedStrategy(counting), space: fakeSpace, evaluator, bus, studyName: 'study',
    artifactsRoot: '/runs/study.artifacts/study', now: () => 1_000, ...o,
  };
  return { events, store, evaluator, run: () => runSearch(opts) };
}

const warnings = (events: { type: string }[]) =>
  events.filter((e): e is { type: 'search.log'; level: string; message: string } => e.type === 'search.log').filter((e) => e.level === 'warn').map((e) => e.message);

describe('test split after the search (testTopK)', () => {
  it('tests the best k completed trials by the objective, once each, best first, before search.finished', async () => {
    const evaluator = new TestingEvaluator();
    const { run, events } = setup({ evaluator, definition: def(4, { testTopK: 2 }) });
    const out = await run();
    // units 1..4: trials 3 and 2 have the best validation accuracy
    assert.deepEqual(evaluator.tested.map((r) => r.trialNumber), [3, 2]);
    assert.equal(evaluator.tested[0]!.artifactDir, '/runs/study.artifacts/study/trial-3');
    assert.equal(evaluator.tested[0]!.seed, out.trials[3]!.seed);
    assert.equal(evaluator.tested[0]!.training.batchSize, out.study.definition.training.batchSize);
    assert.deepEqual(out.study.testResults, {
      3: { testAccuracy: 0.97, testLoss: 0.3, evaluatedAt: 1_000 },
      2: { testAccuracy: 0.98, testLoss: 0.2, evaluatedAt: 1_000 },
    });
    // The trials themselves stay as they finished.
    assert.ok(out.trials.every((t) => t.metrics!.testAccuracy === undefined));
    const types = events.map((e) => e.type);
    assert.deepEqual(types.slice(-3), ['trial.tested', 'trial.tested', 'search.finished']);
    assert.ok(types.lastIndexOf('trial.finished') < types.indexOf('trial.tested'));
    assert.deepEqual(events.filter((e) => e.type === 'trial.tested').map((e) => ({ ...e, at: 0 })), [
      { type: 'trial.tested', at: 0, trialNumber: 3, testAccuracy: 0.97, testLoss: 0.3 },
      { type: 'trial.tested', at: 0, trialNumber: 2, testAccuracy: 0.98, testLoss: 0.2 },
    ]);
  });

  it('follows the objective direction and skips failed trials and trials with their own test accuracy', async () => {
    const failing: Behaviour = async () => { throw new Error('out of memory'); };
    const evaluator = new TestingEvaluator((n) => (n === 0 ? failing : n === 1 ? trainNormally : validationOnly));
    const objectives = [{ metric: 'valAccuracy', direction: 'minimize' as const }];
    const out = await setup({ evaluator, definition: def(4, { testTopK: 2, objectives }) }).run();
    assert.equal(out.trials[0]!.state, 'failed');
    // Worst-first ranking: 1 (has its own testAccuracy via trainNormally, so counts but is not re-tested), 2.
    assert.deepEqual(evaluator.tested.map((r) => r.trialNumber), [2]);
    assert.deepEqual(Object.keys(out.study.testResults ?? {}), ['2']);
  });

  it('tests nothing when the search was stopped', async () => {
    const controller = new AbortController();
    const stopAfterTrial1: Behaviour = async (req, reporter, signal) => {
      const m = await validationOnly(req, reporter, signal);
      controller.abort();
      return m;
    };
    const evaluator = new TestingEvaluator((n) => (n === 1 ? stopAfterTrial1 : validationOnly));
    const { run, events } = setup({ evaluator, definition: def(5, { testTopK: 3 }), signal: controller.signal });
    const out = await run();
    assert.equal(out.reason, 'stopped');
    assert.deepEqual(evaluator.tested, []);
    assert.equal(out.study.testResults, undefined);
    assert.ok(!events.some((e) => e.type === 'trial.tested'));
  });

  it('warns and finishes when the evaluator cannot test, or no weights were saved', async () => {
    const plain = setup({ evaluator: new FakeEvaluator(() => validationOnly), definition: def(2) });
    const out = await plain.run();
    assert.equal(out.study.state, 'finished');
    assert.equal(out.study.testResults, undefined);
    assert.deepEqual(warnings(plain.events).length, 1);
    assert.match(warnings(plain.events)[0]!, /best trial 1 was not measured on the test split: evaluator "tfjs" cannot evaluate saved weights \(it has no evaluateTest\)/);

    const evaluator = new TestingEvaluator();
    const memory = setup({ evaluator, definition: def(2, { testTopK: 2 }), artifactsRoot: undefined });
    assert.equal((await memory.run()).study.state, 'finished');
    assert.deepEqual(evaluator.tested, []);
    assert.match(warnings(memory.events)[0]!, /^the best trials 1, 0 were not measured on the test split: no trained weights were saved \(an in-memory database keeps no artifacts\)/);
  });

  it('a trial that cannot be tested is a warning; the others are still tested', async () => {
    const evaluator = new TestingEvaluator(undefined, new Set([3]), new Set([1]));
    const { run, events } = setup({ evaluator, definition: def(4, { testTopK: 3 }) });
    const out = await run();
    assert.deepEqual(evaluator.tested.map((r) => r.trialNumber), [3, 2, 1]);
    assert.deepEqual(Object.keys(out.study.testResults!), ['2']);
    assert.match(warnings(events)[0]!, /^trial 3 was not measured on the test split: cannot read \/runs\/study.artifacts\/study\/trial-3\/weights.json/);
    assert.match(warnings(events)[1]!, /^trial 1 was not measured on the test split: evaluator "tfjs" returned test accuracy 0.99 and loss NaN/);
  });

  it('writes a result only while this worker holds the test phase; a worker that lost it writes none', async () => {
    const store = new MemoryStore({ now: () => 1_000 });
    const evaluator = new TestingEvaluator();
    // Once trial 3 is measured, another worker takes the test phase over (this one looked dead).
    let handedOver = false;
    const original = evaluator.evaluateTest.bind(evaluator);
    evaluator.evaluateTest = async (req) => {
      const out = await original(req);
      if (req.trialNumber === 2 && !handedOver) {
        handedOver = true;
        await store.transact(1, (tx) => tx.updateStudy({ tester: 'another-worker' }));
      }
      return out;
    };
    const { run, events } = setup({ store, evaluator, definition: def(4, { testTopK: 2 }) });
    const out = await run();
    assert.ok(warnings(events).some((m) => /another worker took over the test phase; trial 2's measurement here was discarded/.test(m)));
    // "another-worker" never registered, so it counts as dead: this worker takes the phase back and measures trial 2 again.
    assert.deepEqual(evaluator.tested.map((r) => r.trialNumber), [3, 2, 2]);
    assert.deepEqual(Object.keys(out.study.testResults!).sort(), ['2', '3']);
    assert.equal(out.study.state, 'finished');
    assert.equal(out.study.tester, undefined);
  });

  it('testTopK 0 never touches the test split, and says nothing', async () => {
    const evaluator = new TestingEvaluator();
    const { run, events } = setup({ evaluator, definition: def(3, { testTopK: 0 }) });
    await run();
    assert.deepEqual(evaluator.tested, []);
    assert.deepEqual(warnings(events), []);
  });

  it('resume tests only the best trials not tested yet', async () => {
    let clock = 1_000;
    const store = new MemoryStore({ now: () => clock });
    const first = new TestingEvaluator();
    await setup({ store, evaluator: first, definition: def(3, { testTopK: 1 }) }).run();
    clock = 2_000;
    assert.deepEqual(first.tested.map((r) => r.trialNumber), [2]);

    // Same budget, so the loop ends at once; k raised to 2: only trial 1 is new.
    const second = new TestingEvaluator();
    const again = setup({ store, evaluator: second, definition: def(3, { testTopK: 2 }), resume: true, now: () => 2_000 });
    const out = await again.run();
    assert.deepEqual(second.tested.map((r) => r.trialNumber), [1]);
    assert.deepEqual(out.study.testResults, {
      2: { testAccuracy: 0.98, testLoss: 0.2, evaluatedAt: 1_000 },
      1: { testAccuracy: 0.99, testLoss: 0.1, evaluatedAt: 2_000 },
    });
    assert.deepEqual(again.events.filter((e) => e.type === 'trial.tested').map((e) => (e as { trialNumber: number }).trialNumber), [1]);

    const third = new TestingEvaluator();
    await setup({ store, evaluator: third, definition: def(3, { testTopK: 2 }), resume: true }).run();
    assert.deepEqual(third.tested, []);
  });
});
