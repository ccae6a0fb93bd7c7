import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, pollStudy } from '../../search/index.js';
import type { SearchEvent, Store } from '../../search/index.js';
import { definition, epoch, fullMetrics, leaseOf, storeTrial } from './fixtures.js';

/** The store as a watcher may use it: any write throws. */
function readOnly(store: Store): Store {
  const reads = new Set(['getStudy', 'listStudies', 'getTrials', 'getTrial', 'getEpochs', 'getWorkers', 'close']);
  return new Proxy(store, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver);
      if (typeof v !== 'function') return v;
      if (!reads.has(String(key))) return () => { throw new Error(`the watcher called ${String(key)}()`); };
      return v.bind(target);
    },
  });
}

/** Collects a stream's events; `until(type)` resolves once such an event arrived. */
function collect(events$: ReturnType<typeof pollStudy>) {
  const seen: SearchEvent[] = [];
  const waiters: { test: (e: SearchEvent) => boolean; resolve: () => void }[] = [];
  let error: unknown;
  const done = new Promise<void>((resolve, reject) => events$.subscribe({
    next: (e) => {
      seen.push(e);
      for (const w of waiters.filter((x) => x.test(e))) w.resolve();
    },
    complete: resolve,
    error: (err) => { error = err; reject(err); },
  }));
  const until = (test: (e: SearchEvent) => boolean) => seen.some(test) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ test, resolve }));
  return { seen, done, until, error: () => error };
}

describe('pollStudy', () => {
  it('turns what other processes store into the search events, reading only, until the study is over', async () => {
    const store = new MemoryStore();
    const s = await store.createStudy('remote', definition());
    const old = await storeTrial(store, s.id, { sample: {}, architecture: null, seed: 1 }, { state: 'completed', metrics: fullMetrics(0.5) });
    const live = await storeTrial(store, s.id, { sample: {}, architecture: null, seed: 2 });
    await store.addEpoch(leaseOf(live), epoch(0));

    const events = collect(pollStudy(readOnly(store), 'remote', { intervalMs: 5, known: [old] }));
    await events.until((e) => e.type === 'trial.epochEnded');
    const started = events.seen[0]!;
    assert.equal(started.type, 'search.started');
    assert.equal(started.type === 'search.started' && started.completedBefore, 1, 'the known finished trial counts as before');
    assert.deepEqual(events.seen.slice(1).map((e) => e.type), ['trial.started', 'trial.epochEnded']);

    await store.addEpoch(leaseOf(live), epoch(1));
    await events.until((e) => e.type === 'trial.epochEnded' && e.metrics.epoch === 1);
    await store.finishTrial(leaseOf(live), { state: 'completed', metrics: fullMetrics(0.9) });
    await events.until((e) => e.type === 'trial.finished');
    const next = await storeTrial(store, s.id, { sample: {}, architecture: null, seed: 3 });
    await events.until((e) => e.type === 'trial.started' && e.trial.id === next.id);
    await store.finishTrial(leaseOf(next), { state: 'pruned', error: 'pruned' });
    await store.updateStudy(s.id, { state: 'finished', testResults: { [live.number]: { testAccuracy: 0.88, testLoss: 0.3, evaluatedAt: 1 } } });
    await events.done;

    assert.deepEqual(events.seen.map((e) => e.type), [
      'search.started', 'trial.started', 'trial.epochEnded', 'trial.epochEnded', 'trial.finished',
      'trial.started', 'trial.finished', 'trial.tested', 'search.finished',
    ]);
    const finished = events.seen.at(-1)!;
    assert.ok(finished.type === 'search.finished');
    assert.equal(finished.best?.id, live.id);
    assert.deepEqual([finished.counts.completed, finished.counts.pruned], [2, 1]);
    const epochs = events.seen.filter((e) => e.type === 'trial.epochEnded').map((e) => e.type === 'trial.epochEnded' && e.metrics.epoch);
    assert.deepEqual(epochs, [0, 1], 'each epoch once');
  });

  it('ends with an error when the study disappears, and stops when aborted', async () => {
    const store = new MemoryStore();
    const s = await store.createStudy('s', definition());
    const gone = collect(pollStudy(store, 's', { intervalMs: 5 }));
    await gone.until((e) => e.type === 'search.started');
    await store.deleteStudy(s.id);
    await assert.rejects(gone.done, (e: { code?: string }) => e.code === 'STUDY_NOT_FOUND');

    await store.createStudy('t', definition());
    const controller = new AbortController();
    const stopped = collect(pollStudy(store, 't', { intervalMs: 5, signal: controller.signal }));
    await stopped.until((e) => e.type === 'search.started');
    controller.abort();
    await stopped.done;
    assert.ok(!stopped.seen.some((e) => e.type === 'search.finished'));
  });
});
