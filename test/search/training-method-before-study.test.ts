import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, runSearch, type StudyDefinition } from '../../search/index.js';
import { WgsefStrategy } from '../../strategies/wgsef/wgsef-strategy.js';
import { definition } from './fixtures.js';
import { FakeEvaluator, recordingBus, fakeSpace } from './runner-fakes.js';

/** A fake evaluator that declares the training methods it trains. */
class TrainsMethods extends FakeEvaluator {
  constructor(private readonly methods: string[]) { super(); }
  override async prepare() {
    return { ...(await super.prepare()), trainingMethods: this.methods };
  }
}

function wgsef(options: object): StudyDefinition {
  const d = definition({ seed: 1, budget: { maxTrials: 4 } });
  d.strategy = { name: 'wgsef', options } as never;
  return d;
}

test('a strategy whose trials need a method the evaluator cannot train fails before the study is created, naming evaluator, method and what it trains', async () => {
  const cases: [FakeEvaluator, object, RegExp][] = [
    [new FakeEvaluator(), { k: 2 }, /evaluator "[^"]+" cannot train method "wgsef" \(it trains no method\)/],
    [new TrainsMethods(['wgsef']), { k: 2, penalty: ['envelope', 'group-lasso'] }, /evaluator "[^"]+" cannot train method "group-lasso" \(it trains "wgsef"\)/],
  ];
  for (const [i, [evaluator, options, message]] of cases.entries()) {
    const store = new MemoryStore();
    const { bus } = recordingBus();
    await assert.rejects(runSearch({ store, strategy: new WgsefStrategy(), space: fakeSpace, evaluator, bus, definition: wgsef(options), studyName: `m${i}` }), message);
    assert.equal(await store.getStudy(`m${i}`), undefined, 'no study left behind');
    assert.equal((evaluator as FakeEvaluator).requests.length, 0, 'no trial was evaluated');
  }
  // The evaluator that declares both trains the study.
  const store = new MemoryStore();
  const { bus } = recordingBus();
  const evaluator = new TrainsMethods(['wgsef', 'group-lasso']);
  await runSearch({ store, strategy: new WgsefStrategy(), space: fakeSpace, evaluator, bus, definition: wgsef({ k: 2, penalty: ['envelope', 'group-lasso'] }), studyName: 'ok' });
  assert.deepEqual([...new Set(evaluator.requests.flatMap((r) => (r.training.method ? [r.training.method.name] : [])))], ['wgsef', 'group-lasso']);
});
