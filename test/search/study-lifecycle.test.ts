import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, SqliteStore, runSearch } from '../../search/index.js';
import type { RunnerOptions, Store, TestRequest } from '../../search/index.js';
import { definition } from './fixtures.js';
import { FakeEvaluator, RecordingStrategy, fakeSpace, recordingBus, slowTraining } from './runner-fakes.js';
import type { Behaviour } from './runner-fakes.js';

const dir = mkdtempSync(join(tmpdir(), 'sparsenas-lifecycle-'));
after(() => rmSync(dir, { recursive: true, force: true }));

class TestingEvaluator extends FakeEvaluator {
  readonly tested: number[] = [];
  async evaluateTest(req: TestRequest) {
    this.tested.push(req.trialNumber);
    return { testAccuracy: 0.5, testLoss: 0.5 };
  }
}

function worker(store: Store, o: Partial<RunnerOptions> & { evaluator?: FakeEvaluator; maxTrials?: number } = {}) {
  const { bus, events } = recordingBus();
  const def = definition({ seed: 9, budget: { maxTrials: o.maxTrials ?? 6 }, testTopK: 2 });
  def.training.epochs = 2;
  const evaluator = o.evaluator ?? new TestingEvaluator(() => slowTraining(5));
  const strategy = new RecordingStrategy();
  return { events, evaluator, strategy, run: () => runSearch({
    store, strategy, space: fakeSpace, evaluator, bus, definition: def, studyName: 's', artifactsRoot: join(dir, 'artifacts'),
    heartbeatMs: 20, staleAfterMs: 2000, pollMs: 10, ...o,
  }) };
}

describe('study lifecycle', () => {
  it('two resumes started together: the liveness check and the registration are one transaction, so one is refused', async () => {
    const store = new MemoryStore();
    const killed = worker(store, { evaluator: new TestingEvaluator(() => () => new Promise(() => {})) });
    void killed.run(); // hangs in trial 0, like a process that was killed and left its rows
    while (!(await store.getTrials(1)).length) await new Promise((r) => setTimeout(r, 5));
    await store.transact(1, async (tx) => { for (const w of await tx.getWorkers()) await tx.endWorker(w.id); });
    // Both pass the early check, then both prepare (the slow part) before either registers.
    let arrived = 0;
    let release!: () => void;
    const barrier = new Promise<void>((r) => { release = r; });
    const resumes = [0, 1].map(() => {
      const w = worker(store, { resume: true });
      const prepare = w.evaluator.prepare.bind(w.evaluator);
      w.evaluator.prepare = async () => { if (++arrived === 2) release(); await barrier; return prepare(); };
      return w.run();
    });
    const [a, b] = await Promise.allSettled(resumes);
    const refused = [a, b].filter((r) => r.status === 'rejected');
    assert.equal(refused.length, 1, 'exactly one resume is refused');
    assert.equal((refused[0] as PromiseRejectedResult).reason.code, 'STUDY_BUSY');
    const trials = await store.getTrials(1);
    assert.equal(trials.filter((t) => t.attributes?.['redoOf'] === 0).length, 1, 'trial 0 is redone once');
    assert.equal(trials.filter((t) => ['completed', 'pruned', 'failed'].includes(t.state)).length, 6);
  });

  it('a worker joins only a running study', async () => {
    const store = new MemoryStore();
    await assert.rejects(worker(store, { join: true }).run(), { code: 'STUDY_NOT_FOUND' });
    await worker(store, { maxTrials: 1 }).run();
    await assert.rejects(worker(store, { join: true }).run(), (err: { code?: string; message: string }) =>
      err.code === 'STUDY_NOT_RUNNING' && /is finished.*sparsenas resume --study s/.test(err.message));
  });

  for (const kind of ['MemoryStore', 'SqliteStore connections'] as const) {
    it(`three workers in one process on one ${kind}: the budget, each candidate once, one test phase`, async () => {
      const file = join(dir, `three-${kind.length}.db`);
      const stores: Store[] = kind === 'MemoryStore' ? Array(3).fill(new MemoryStore()) : await Promise.all([0, 1, 2].map(() => SqliteStore.open(file)));
      // The first worker holds its second trial until both joiners have registered: a joiner
      // only joins a running study, and on a loaded machine six 10 ms trials can all finish
      // before a joiner has prepared (then it would rightly be refused, STUDY_NOT_RUNNING).
      let joinersSettled!: () => void;
      const settled = new Promise<void>((r) => { joinersSettled = r; });
      const joined = (async () => {
        for (;;) {
          const workers = await stores[0]!.getWorkers(1);
          if (workers.filter((w) => w.endedAt === undefined).length >= 3) return;
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      // (Released too if the joiners end without registering, so a refusal fails the test instead of hanging it.)
      const gated: Behaviour = async (req, reporter, signal) => { await Promise.race([joined, settled]); return slowTraining(5)(req, reporter, signal); };
      const first = worker(stores[0]!, { evaluator: new TestingEvaluator((n) => (n === 0 ? slowTraining(5) : gated)) });
      const started = first.run();
      while (!(await stores[0]!.getTrials(1)).length) await new Promise((r) => setTimeout(r, 2));
      const others = [1, 2].map((i) => worker(stores[i]!, { join: true }));
      const joiners = others.map((w) => w.run());
      void Promise.allSettled(joiners).then(joinersSettled);
      const outs = await Promise.all([started, ...joiners]);
      assert.ok(outs.every((o) => o.reason === 'max-trials'), outs.map((o) => o.reason).join());
      const study = (await stores[0]!.getStudy('s'))!;
      const trials = await stores[0]!.getTrials(study.id);
      assert.deepEqual(trials.map((t) => [t.number, t.state, t.sample['units']]), Array.from({ length: 6 }, (_, i) => [i, 'completed', i + 1]));
      assert.equal(new Set(trials.map((t) => t.owner)).size > 1, true, 'the workers shared the trials');
      assert.deepEqual([...(study.strategyState as { told: number[] }).told].sort(), [0, 1, 2, 3, 4, 5]);
      const tested = [first, ...others].flatMap((w) => (w.evaluator as TestingEvaluator).tested);
      assert.deepEqual(tested.sort(), [4, 5], 'the two best were tested once, by one worker');
      assert.equal(study.state, 'finished');
      for (const s of new Set(stores)) await s.close();
    });
  }
});
