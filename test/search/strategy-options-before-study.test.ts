import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, runSearch } from '../../search/index.js';
import { WgsefStrategy } from '../../strategies/wgsef/wgsef-strategy.js';
import { definition } from './fixtures.js';
import { FakeEvaluator, recordingBus, fakeSpace } from './runner-fakes.js';

test('issue 17 defect 4: a wgsef search without options.k fails before the study is created, so the name stays free', async () => {
  const store = new MemoryStore();
  const d = definition({ seed: 1, budget: { maxTrials: 2 } });
  d.strategy = { name: 'wgsef', options: {} } as never;
  const { bus } = recordingBus();
  await assert.rejects(runSearch({ store, strategy: new WgsefStrategy(), space: fakeSpace, evaluator: new FakeEvaluator(), bus, definition: d, studyName: 'wg1' }),
    /options\.k is required/);
  assert.equal(await store.getStudy('wg1'), undefined, 'no study left behind');
});
