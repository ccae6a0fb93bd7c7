import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { MemoryStore, SqliteStore, deriveSeed, runSearch } from '../../search/index.js';
import type { Lease, Pruner, RunnerOptions, Store, StudyDefinition } from '../../search/index.js';
import { definition } from './fixtures.js';
import { FakeEvaluator, ScriptedStrategy, counting, recordingBus, fakeSpace, trainNormally } from './runner-fakes.js';
import type { Behaviour, Step } from './runner-fakes.js';

const dir = mkdtempSync(join(tmpdir(), 'sparsenas-runner-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function def(maxTrials?: number, patch: Partial<StudyDefinition> = {}): StudyDefinition {
  const base = definition({ seed: 17, budget: { maxTrials }, ...patch });
  base.training.epochs = 2;
  return base;
}

/**
 * Source of a child process that runs a search on `file` and hangs inside trial 2 after
 * printing "running 2", to be killed. Inline, because every .js under test/ is a test file.
 */
function searchThatHangsInTrial2(file: string): string {
  const from = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);
  return `
    import { EventBus, SqliteStore, runSearch } from ${from('../../search/index.js')};
    import { definition } from ${from('./fixtures.js')};
    import { FakeEvaluator, ScriptedStrategy, counting, fakeSpace, trainNormally } from ${from('./runner-fakes.js')};
    const hang = () => { process.stdout.write('running 2\\n'); return new Promise(() => setInterval(() => {}, 1000)); };
    const def = definition({ seed: 17, budget: { maxTrials: 4 } });
    def.training.epochs = 2;
    await runSearch({
      store: await SqliteStore.open(${JSON.stringify(file)}), strategy: new ScriptedStrategy(counting), space: fakeSpace,
      bus: new EventBus(), definition: def, studyName: 'killed', evaluator: new FakeEvaluator((n) => (n === 2 ? hang : trainNormally)),
    });`;
}

function setup(o: { script?: readonly Step[] | ((i: number) => Step); behaviour?: (n: number) => Behaviour; definition?: StudyDefinition; store?: Store } & Partial<RunnerOptions> = {}) {
  const { bus, events } = recordingBus();
  const strategy = new ScriptedStrategy(o.script ?? counting);
  const evaluator = new FakeEvaluator(o.behaviour);
  const store = o.store ?? new MemoryStore();
  const opts: RunnerOptions = { store, strategy, space: fakeSpace, evaluator, bus, definition: o.definition ?? def(3), studyName: 'study', ...o };
  return { opts, bus, events, strategy, evaluator, store, run: () => runSearch(opts) };
}

describe('runSearch', () => {
  it('stops at maxTrials and records a deterministic seed per trial', async () => {
    const { run, strategy, store, evaluator } = setup({ definition: def(3) });
    const out = await run();
    assert.equal(out.reason, 'max-trials');
    assert.deepEqual(out.trials.map((t) => [t.number, t.state, t.sample['units']]), [[0, 'completed', 1], [1, 'completed', 2], [2, 'completed', 3]]);
    assert.equal(strategy.cursor, 3);
    assert.deepEqual(out.trials.map((t) => t.seed), [0, 1, 2].map((n) => deriveSeed(17, 'trial', n)));
    assert.deepEqual(evaluator.requests.map((r) => r.seed), out.trials.map((t) => t.seed));
    assert.equal(new Set(out.trials.map((t) => t.seed)).size, 3);
    assert.equal(out.best?.number, 2); // widest = most accurate under trainNormally
    assert.equal(out.study.state, 'finished');
    assert.equal(out.study.backend, 'fake');
    assert.deepEqual(out.study.dataChecksums, { 'fake.bin': '00ff' });
    assert.deepEqual(strategy.told.map((t) => t.number), [0, 1, 2]);
    assert.equal((await store.getEpochs(out.trials[0]!.id)).length, 2);

    const again = await setup({ definition: def(3) }).run();
    assert.deepEqual(again.trials.map((t) => t.seed), out.trials.map((t) => t.seed));
    const otherSeed = await setup({ definition: def(3, { seed: 18 }) }).run();
    assert.notDeepEqual(otherSeed.trials.map((t) => t.seed), out.trials.map((t) => t.seed));
  });

  it('uses a seed the strategy chose', async () => {
    const out = await setup({ script: [{ sample: { units: 4 }, seed: 1234 }], definition: def(5) }).run();
    assert.equal(out.trials[0]!.seed, 1234);
    assert.equal(out.reason, 'exhausted');
  });

  it('stops asking when the time limit passes and lets the running trial finish', async () => {
    let clock = 1_000_000;
    const minute: Behaviour = async (req, reporter, signal) => {
      clock += 60_000;
      return trainNormally(req, reporter, signal);
    };
    // The time limit is judged on the store's clock, from the start of the run.
    const store = new MemoryStore({ now: () => clock });
    const { run } = setup({ store, behaviour: () => minute, definition: def(undefined, { budget: { timeLimitMinutes: 2.5 } }), now: () => clock });
    const out = await run();
    assert.equal(out.reason, 'time-limit');
    // asks at 0, 1 and 2 minutes; at 3 minutes the limit of 2.5 has passed
    assert.equal(out.trials.length, 3);
    assert.ok(out.trials.every((t) => t.state === 'completed'));
  });

  it('records an evaluator exception as a failed trial and goes on', async () => {
    const boom: Behaviour = async () => { throw new Error('out of memory while allocating 4 GB'); };
    const out = await setup({ behaviour: (n) => (n === 1 ? boom : trainNormally), definition: def(3) }).run();
    assert.deepEqual(out.trials.map((t) => t.state), ['completed', 'failed', 'completed']);
    assert.equal(out.trials[1]!.error, 'out of memory while allocating 4 GB');
    assert.equal(out.trials[1]!.metrics, undefined);
    assert.equal(out.reason, 'max-trials');
  });

  it('fails a trial whose loss turns NaN, even if the evaluator swallows the reporter error', async () => {
    const diverge = (swallow: boolean): Behaviour => async (req, reporter, signal) => {
      await reporter.epochEnded({ epoch: 0, trainLoss: 2.3, valLoss: 2.3, valAccuracy: 0.1, elapsedMs: 1 });
      try {
        await reporter.epochEnded({ epoch: 1, trainLoss: NaN, valLoss: 2.3, valAccuracy: 0.1, elapsedMs: 1 });
      } catch (err) {
        if (!swallow) throw err;
      }
      return trainNormally(req, reporter, signal);
    };
    for (const swallow of [false, true]) {
      const { run, store } = setup({ behaviour: (n) => (n === 0 ? diverge(swallow) : trainNormally), definition: def(2) });
      const out = await run();
      const t = out.trials[0]!;
      assert.equal(t.state, 'failed', `swallow=${swallow}`);
      assert.match(t.error!, /loss is not finite at epoch 1/);
      assert.deepEqual((await store.getEpochs(t.id)).map((e) => e.epoch), [0]);
      assert.equal(out.trials[1]!.state, 'completed');
    }
  });

  it('fails a candidate outside the space, naming the dimension', async () => {
    const out = await setup({ script: [{ sample: { units: 500 } }, { sample: { units: 8 } }], definition: def(5) }).run();
    const [bad, good] = out.trials;
    assert.equal(bad!.state, 'failed');
    assert.equal(bad!.architecture, null);
    assert.match(bad!.error!, /outside the space "fake".*dimension "units"/);
    assert.deepEqual(bad!.sample, { units: 500 });
    assert.equal(good!.state, 'completed');
  });

  it('fails malformed candidates without crashing', async () => {
    const script = [{ sample: 'units=3' }, { sample: { units: 3 }, seed: -1.5 }, 42] as unknown as Step[];
    const out = await setup({ script, definition: def(5) }).run();
    assert.deepEqual(out.trials.map((t) => t.state), ['failed', 'failed', 'failed']);
    assert.match(out.trials[0]!.error!, /candidate.sample must be an object/);
    assert.match(out.trials[1]!.error!, /candidate.seed must be a non-negative integer/);
    assert.match(out.trials[2]!.error!, /expected an object, got number/);
  });

  it('records a throwing ask() as a failed trial, and gives up after N in a row', async () => {
    const flaky: Step[] = [new Error('index out of range'), { sample: { units: 2 } }];
    const ok = await setup({ script: flaky, definition: def(5) }).run();
    assert.deepEqual(ok.trials.map((t) => t.state), ['failed', 'completed']);
    assert.match(ok.trials[0]!.error!, /strategy random threw in ask\(\): index out of range/);

    const { run, store, strategy } = setup({ script: () => new Error('broken'), definition: def(10), maxConsecutiveAskFailures: 3 });
    await assert.rejects(run(), (err: { code?: string; message: string }) => err.code === 'STRATEGY_BROKEN' && /3 times in a row; last: broken/.test(err.message));
    const study = (await store.getStudy('study'))!;
    assert.equal(study.state, 'interrupted');
    assert.deepEqual((await store.getTrials(study.id)).map((t) => t.state), ['failed', 'failed', 'failed']);
    assert.deepEqual(strategy.told, []); // nothing to tell about a candidate that never existed
  });

  it('ends when the strategy is exhausted', async () => {
    const out = await setup({ script: [{ sample: { units: 1 } }, { sample: { units: 2 } }], definition: def(10) }).run();
    assert.equal(out.reason, 'exhausted');
    assert.equal(out.trials.length, 2);
    assert.equal(out.study.state, 'finished');
  });

  it('publishes events in order', async () => {
    // testTopK: 0, since this fake evaluator cannot test (test/search/test-phase.test.ts covers that phase).
    const { run, events } = setup({ definition: def(2, { testTopK: 0 }) });
    await run();
    assert.deepEqual(events.map((e) => e.type), [
      'search.started',
      'trial.started', 'trial.epochEnded', 'trial.epochEnded', 'trial.finished',
      'trial.started', 'trial.epochEnded', 'trial.epochEnded', 'trial.finished',
      'search.finished',
    ]);
    const finished = events.at(-1)!;
    assert.ok(finished.type === 'search.finished');
    assert.deepEqual(finished.counts, { waiting: 0, running: 0, completed: 2, pruned: 0, failed: 0, interrupted: 0 });
    assert.equal(finished.reason, 'max-trials');
  });

  it('prunes through the pruner and records the trial as pruned', async () => {
    const pruneSecond: Pruner = { shouldPrune: (curve, finished) => finished.length > 0 && curve.length === 1 };
    const out = await setup({ pruner: pruneSecond, definition: def(2) }).run();
    assert.deepEqual(out.trials.map((t) => t.state), ['completed', 'pruned']);
    assert.match(out.trials[1]!.error!, /pruned after epoch 0/);
  });

  it('never prunes a trial that has run its last epoch (its metrics are kept)', async () => {
    const pruneAtEnd: Pruner = { shouldPrune: (curve) => curve.length === 2 };
    const out = await setup({ pruner: pruneAtEnd, definition: def(2) }).run();
    assert.deepEqual(out.trials.map((t) => t.state), ['completed', 'completed']);
  });

  it('gives the pruner the curves of completed and pruned trials', async () => {
    const seen: number[][] = [];
    const spy: Pruner = {
      shouldPrune: (curve, finished) => {
        seen.push(finished.map((c) => c.length));
        return finished.length === 1 && curve.length === 1;
      },
    };
    const out = await setup({ pruner: spy, definition: def(3) }).run();
    assert.deepEqual(out.trials.map((t) => t.state), ['completed', 'pruned', 'completed']);
    // Not consulted at a last epoch: a finished trial is never pruned.
    assert.deepEqual(seen, [[], [2], [2, 1]]);
  });

  it("stores a training method's per-epoch outputs with the epoch and publishes them on trial.epochEnded", async () => {
    const withOutputs: Behaviour = async (req, reporter) => {
      for (let e = 0; e < req.training.epochs; e++) {
        await reporter.epochEnded({ epoch: e, trainLoss: 1, valLoss: 1, valAccuracy: 0.5, elapsedMs: 1, outputs: { phase: e === 0 ? 'pretrain' : 'prune', lambda: e } });
      }
      return trainNormally(req, { epochEnded: () => {} }, new AbortController().signal);
    };
    const { run, events, store } = setup({ behaviour: () => withOutputs, definition: def(1) });
    const out = await run();
    const expected = [{ phase: 'pretrain', lambda: 0 }, { phase: 'prune', lambda: 1 }];
    assert.deepEqual((await store.getEpochs(out.trials[0]!.id)).map((e) => e.outputs), expected);
    assert.deepEqual(events.flatMap((e) => (e.type === 'trial.epochEnded' ? [e.metrics.outputs] : [])), expected);
  });

  it("hands the evaluator's training methods to the strategy and fails a trial asking for another one before evaluating it", async () => {
    const method = (name: string) => ({ sample: { units: 4 }, training: { method: { name, options: {} } } });
    const { opts, evaluator, strategy } = setup({ script: [method('wgsef'), method('dass'), { sample: { units: 5 }, training: { method: { options: {} } } as never }], definition: def(5) });
    evaluator.prepare = async () => ({ backend: 'fake', reason: 'test double', dataChecksums: { 'fake.bin': '00ff' }, trainingMethods: ['wgsef'] });
    let seen: readonly string[] | undefined;
    strategy.init = (ctx) => { seen = ctx.trainingMethods; };
    const out = await runSearch(opts);
    assert.deepEqual(seen, ['wgsef']);
    assert.deepEqual(out.trials.map((t) => t.state), ['completed', 'failed', 'failed']);
    assert.match(out.trials[1]!.error!, /evaluator "tfjs" cannot train method "dass" \(it trains "wgsef"\)/);
    assert.match(out.trials[2]!.error!, /candidate.training.method must be \{ name: string, options\?: object \}/);
    assert.deepEqual(evaluator.requests.map((r) => r.trialNumber), [0], 'the evaluator never sees a method it did not declare');
  });

  it('on abort interrupts the running trial and stops the study', async () => {
    const controller = new AbortController();
    const waitForAbort: Behaviour = async (_req, reporter, signal) => {
      await reporter.epochEnded({ epoch: 0, trainLoss: 1, valLoss: 1, valAccuracy: 0.5, elapsedMs: 1 });
      controller.abort(); // the user presses Ctrl-C during this trial
      assert.equal(signal.aborted, true);
      throw new Error('training aborted');
    };
    const { run, events } = setup({ behaviour: (n) => (n === 1 ? waitForAbort : trainNormally), definition: def(5), signal: controller.signal });
    const out = await run();
    assert.equal(out.reason, 'stopped');
    assert.equal(out.study.state, 'stopped');
    // The stopped trial is queued again at once (a waiting redo with its candidate and seed), for resume.
    assert.deepEqual(out.trials.map((t) => t.state), ['completed', 'interrupted', 'waiting']);
    assert.equal(out.trials[1]!.error, 'stopped by the user');
    assert.deepEqual([out.trials[2]!.sample, out.trials[2]!.seed, out.trials[2]!.attributes, out.trials[2]!.attempt],
      [out.trials[1]!.sample, out.trials[1]!.seed, { redoOf: 1 }, 2]);
    assert.ok(events.some((e) => e.type === 'search.stopping'));
  });

  it('resumes a killed search: redoes the interrupted trial once with its seed, restores the strategy, honours the budget', async () => {
    const file = join(dir, 'resume.db');
    const clock = { t: 1_700_000_000_000 };
    const now = () => clock.t;
    // The process "dies" while trial 2 runs: from then on nothing reaches the database.
    const live = await SqliteStore.open(file, { now });
    let dead = false;
    const gone = () => { throw new Error('SIGKILL'); };
    const dying: Store = Object.assign(Object.create(live) as Store, {
      finishTrial: async (lease: Lease, r: Parameters<Store['finishTrial']>[1]) => {
        const t = (await live.getTrials(1)).find((x) => x.id === lease.trialId)!;
        if (t.number === 2) dead = true;
        return dead ? gone() : live.finishTrial(lease, r);
      },
      transact: (...args: Parameters<Store['transact']>) => (dead ? gone() : live.transact(...args)),
      workerHeartbeat: async (id: string) => (dead ? gone() : live.workerHeartbeat(id)),
    });
    const first = setup({ store: dying, definition: def(4), now });
    await assert.rejects(first.run(), /SIGKILL/);
    await live.close();

    const store = await SqliteStore.open(file, { now });
    const before = (await store.getTrials(1));
    assert.deepEqual(before.map((t) => t.state), ['completed', 'completed', 'running']);
    assert.equal((await store.getStudy('study'))!.state, 'running');
    const killed = before[2]!;

    // Right after the kill the study still looks alive: its worker's heartbeat is fresh (and its
    // pid, this test's, is alive). The refusal says how long to wait and how not to.
    clock.t += 15_000;
    await assert.rejects(setup({ store, definition: def(4), resume: true, now }).run(), (err: { code?: string; message: string }) =>
      err.code === 'STUDY_BUSY' && /last heartbeat 15 s ago/.test(err.message) && /presumed dead 45 s from now/.test(err.message) && /--force/.test(err.message));
    assert.equal((await store.getTrial(1, 2))!.state, 'running');
    clock.t += 46_000;

    const second = setup({ store, definition: def(4), resume: true, now });
    const out = await second.run();
    assert.deepEqual(second.strategy.restored, { cursor: 3 }, 'the snapshot saved with trial 2');
    assert.deepEqual(out.trials.map((t) => [t.number, t.state, t.attempt]),
      [[0, 'completed', 1], [1, 'completed', 1], [2, 'interrupted', 1], [3, 'completed', 2], [4, 'completed', 1]]);
    const redo = out.trials[3]!;
    assert.deepEqual(redo.sample, killed.sample);
    assert.equal(redo.seed, killed.seed);
    assert.equal(redo.attributes?.['redoOf'], 2);
    assert.deepEqual(out.trials[4]!.sample, { units: 4 }, 'the next ask continues the script, no duplicate');
    assert.equal(out.trials[4]!.seed, deriveSeed(17, 'trial', 3), 'the seed of its position among candidates, not of its trial number');
    assert.deepEqual(second.strategy.told.map((t) => [t.number, t.state]), [[2, 'interrupted'], [3, 'completed'], [4, 'completed']]);
    assert.equal(second.evaluator.requests.length, 2);
    assert.equal(out.reason, 'max-trials');
    const counted = out.trials.filter((t) => t.state !== 'interrupted');
    assert.equal(counted.length, 4);
    assert.equal(new Set(counted.map((t) => t.sample['units'])).size, 4);
    assert.ok(out.trials.every((t) => t.state === 'waiting' || t.state === 'running' || t.toldAt !== undefined), 'every finished trial was told');

    // Resuming a finished study neither re-runs the interrupted trial again nor exceeds the budget.
    const third = setup({ store, definition: def(4), resume: true, now });
    const again = await third.run();
    assert.equal(again.trials.length, 5);
    assert.equal(third.evaluator.requests.length, 0);
    await store.close();
  });

  it('resume --force takes over at once from a process that looks alive', async () => {
    const store = new MemoryStore();
    const hung: Behaviour = () => new Promise(() => {});
    const first = setup({ store, behaviour: (n) => (n === 1 ? hung : trainNormally), definition: def(3) });
    void first.run();
    while ((await store.getTrials(1)).length < 2) await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(setup({ store, definition: def(3), resume: true }).run(), { code: 'STUDY_BUSY' });
    const forced = setup({ store, definition: def(3), resume: true, force: true });
    const out = await forced.run();
    assert.deepEqual(out.trials.map((t) => [t.number, t.state]), [[0, 'completed'], [1, 'interrupted'], [2, 'completed'], [3, 'completed']]);
    assert.equal(out.trials[2]!.attributes?.['redoOf'], 1);
    assert.match(out.trials[1]!.error!, /was presumed dead: it ended/);
    const workers = await store.getWorkers(1);
    assert.ok(workers.every((w) => w.endedAt !== undefined), 'the hung worker was ended: its heartbeats are refused from now on');
    assert.equal(await store.workerHeartbeat(workers[0]!.id), false);
  });

  it('resumes after a real SIGKILL of the search process', { timeout: 30_000 }, async () => {
    const file = join(dir, 'sigkill.db');
    const child = spawn(process.execPath, ['--input-type=module', '-e', searchThatHangsInTrial2(file)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      let out = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk) => { out += chunk; if (out.includes('running 2')) resolve(); });
        child.once('exit', (code) => reject(new Error(`the search process exited early with ${code}`)));
      });
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    const store = await SqliteStore.open(file);
    const killed = (await store.getTrials(1))[2]!;
    assert.equal(killed.state, 'running');
    // Its pid is gone and it ran on this machine: presumed dead at once, no waiting.
    const second = setup({ store, definition: def(4), studyName: 'killed', resume: true });
    const result = await second.run();
    assert.deepEqual(result.trials.map((t) => t.state), ['completed', 'completed', 'interrupted', 'completed', 'completed']);
    assert.deepEqual(result.trials.map((t) => t.sample['units']), [1, 2, 3, 3, 4]);
    assert.equal(result.trials[3]!.seed, killed.seed);
    assert.equal(result.reason, 'max-trials');
    await store.close();
  });

  it('creates nothing when the evaluator cannot start, so the same search can simply run again', async () => {
    const store = new MemoryStore();
    const broken = setup({ store, definition: def(1) });
    broken.evaluator.prepare = async () => { throw new Error('dataset file train-images-idx3-ubyte.gz is missing'); };
    await assert.rejects(broken.run(), /train-images/);
    assert.equal(await store.getStudy('study'), undefined);
    const out = await setup({ store, definition: def(1) }).run();
    assert.deepEqual(out.trials.map((t) => t.state), ['completed']);
    // On resume a failing start leaves the stored study exactly as it was.
    const before = await store.getStudy('study');
    const again = setup({ store, definition: def(2), resume: true });
    again.evaluator.prepare = async () => { throw new Error('backend gone'); };
    await assert.rejects(again.run(), /backend gone/);
    assert.deepEqual(await store.getStudy('study'), before);
  });

  it('refuses to create a study that exists or resume one that does not', async () => {
    const store = new MemoryStore();
    await setup({ store, definition: def(1) }).run();
    await assert.rejects(setup({ store, definition: def(1) }).run(), { code: 'STUDY_EXISTS' });
    await assert.rejects(setup({ store, definition: def(1), studyName: 'nope', resume: true }).run(), { code: 'STUDY_NOT_FOUND' });
  });
});
