import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, runSearch } from '../../search/index.js';
import type { Candidate, Json, RunnerOptions, Strategy } from '../../search/index.js';
import { definition } from './fixtures.js';
import { FakeEvaluator, RecordingStrategy, fakeSpace, recordingBus } from './runner-fakes.js';

function run(strategy: Strategy, o: Partial<RunnerOptions> = {}) {
  const { bus, events } = recordingBus();
  const store = o.store ?? new MemoryStore();
  const def = definition({ seed: 3, budget: { maxTrials: 3 }, testTopK: 0 });
  def.training.epochs = 1;
  return { store, events, done: runSearch({ store, strategy, space: fakeSpace, evaluator: new FakeEvaluator(), bus, definition: def, studyName: 's', strategyName: '"odd"', ...o }) };
}

/** A RecordingStrategy whose n-th call of `method` misbehaves as `how` says. */
function failing(method: 'ask' | 'tell' | 'snapshot', n: number, how: () => unknown): Strategy {
  const s = new RecordingStrategy();
  const original = (s[method] as (...a: unknown[]) => unknown).bind(s);
  let calls = 0;
  Object.assign(s, { [method]: (...a: unknown[]) => (++calls === n ? how() : original(...a)) });
  return s;
}

describe('guarded strategy calls', () => {
  it('an ask() that never settles fails the study with a clear error after the strategy timeout', async () => {
    const { store, done } = run(failing('ask', 2, () => new Promise(() => {})), { strategyTimeoutMs: 50 });
    await assert.rejects(done, (err: { code?: string; message: string }) => err.code === 'STRATEGY_TIMEOUT'
      && /strategy "odd" did not return from ask\(\) within 0.05 s/.test(err.message) && /sparsenas resume --study s/.test(err.message));
    const study = (await store.getStudy('s'))!;
    assert.equal(study.state, 'interrupted');
    assert.deepEqual((await store.getTrials(study.id)).map((t) => t.state), ['completed'], 'nothing half-made: the transaction rolled back');
    assert.deepEqual(await store.getWorkers(study.id).then((ws) => ws.map((w) => w.endedAt !== undefined)), [true]);
  });

  it('stopping works while an ask() is pending and keeps a timer alive, independently of the timeout', async () => {
    let timer: NodeJS.Timeout | undefined;
    const hang = () => new Promise<Candidate>(() => { timer = setInterval(() => {}, 1000); });
    const controller = new AbortController();
    const { store, done } = run(failing('ask', 2, hang), { signal: controller.signal, strategyTimeoutMs: 20_000 });
    while (!timer) await new Promise((r) => setTimeout(r, 5));
    const asked = Date.now();
    controller.abort();
    const out = await done;
    clearInterval(timer);
    assert.equal(out.reason, 'stopped');
    assert.ok(Date.now() - asked < 10_000, 'the stop did not wait for the strategy');
    assert.equal(out.study.state, 'stopped');
    assert.deepEqual((await store.getTrials(1)).map((t) => t.state), ['completed']);
  });

  it('a tell() that throws fails the study; the trial stays untold and a fixed strategy is told it once', async () => {
    const store = new MemoryStore();
    await assert.rejects(run(failing('tell', 2, () => { throw new Error('index out of range'); }), { store }).done,
      (err: { code?: string; message: string }) => err.code === 'STRATEGY_FAILED' && /strategy "odd" threw in tell\(\) for trial 1: index out of range/.test(err.message));
    const study = (await store.getStudy('s'))!;
    assert.equal(study.state, 'interrupted');
    const trials = await store.getTrials(study.id);
    assert.deepEqual(trials.map((t) => [t.state, t.toldAt !== undefined]), [['completed', true], ['completed', false]]);
    assert.deepEqual((study.strategyState as { told: number[] }).told, [0]);
    const fixed = new RecordingStrategy();
    await run(fixed, { store, resume: true }).done;
    assert.deepEqual((await store.getStudy('s'))!.strategyState, { cursor: 3, told: [0, 1, 2] });
  });

  it('a snapshot that cannot be stored as JSON fails the study and commits nothing of that step', async () => {
    const { store, done } = run(failing('snapshot', 3, () => ({ rng: 10n }) as unknown as Json));
    await assert.rejects(done, (err: { code?: string; message: string }) => err.code === 'STRATEGY_FAILED'
      && /strategy "odd" snapshot\(\) returned a value that cannot be stored as JSON \(Do not know how to serialize a BigInt\)/.test(err.message));
    // Snapshot 1 is taken after init, 2 with trial 0; the third, with trial 1, failed: trial 1 does not exist.
    assert.deepEqual((await store.getTrials(1)).map((t) => t.number), [0]);
    assert.equal((await store.getStudy('s'))!.state, 'interrupted');
  });
});
