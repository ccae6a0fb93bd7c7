// Issue 17 defect 8: the search result's `best` lacked testAccuracy (only study.testResults had it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, runSearch } from '../../search/index.js';
import type { Metrics, TestRequest } from '../../search/index.js';
import { definition } from './fixtures.js';
import { FakeEvaluator, ScriptedStrategy, counting, fakeSpace, recordingBus, trainNormally } from './runner-fakes.js';

class TestingEvaluator extends FakeEvaluator {
  constructor() {
    super(() => async (req, reporter, signal) => {
      const { testAccuracy: _a, testLoss: _l, ...rest } = await trainNormally(req, reporter, signal);
      return rest as Metrics;
    });
  }
  async evaluateTest(req: TestRequest) {
    return { testAccuracy: 1 - req.trialNumber / 100, testLoss: req.trialNumber / 10 };
  }
}

test("the search result's best (and search.finished's) carries the test accuracy measured after the search", async () => {
  const { bus, events } = recordingBus();
  const out = await runSearch({
    store: new MemoryStore({ now: () => 1_000 }), strategy: new ScriptedStrategy(counting), space: fakeSpace,
    evaluator: new TestingEvaluator(), bus, studyName: 'study', artifactsRoot: '/runs/a/study', now: () => 1_000,
    definition: definition({ seed: 5, budget: { maxTrials: 3 }, testTopK: 1 }),
  });
  assert.equal(out.best!.number, 2);
  assert.deepEqual([out.best!.metrics!.testAccuracy, out.best!.metrics!.testLoss], [0.98, 0.2]);
  const finished = events.find((e) => e.type === 'search.finished') as { best?: { metrics?: Metrics } };
  assert.equal(finished.best!.metrics!.testAccuracy, 0.98);
  // the trials themselves stay as they finished
  assert.equal(out.trials[2]!.metrics!.testAccuracy, undefined);
});
