import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { NewTrial, Store, StudyDump, StudyTransaction, TrialInsert } from '../../search/index.js';
import { dumpStudy, studyDigest } from '../../search/index.js';
import { architecture, definition, epoch, fullMetrics, leaseOf, storeTrial } from './fixtures.js';

const newTrial = (patch: Partial<NewTrial> = {}): NewTrial => ({ sample: { units: 32, level: 0.9 }, architecture: architecture(), seed: 7, ...patch });
const running = (owner = 'w1', patch: Partial<TrialInsert> = {}): TrialInsert => ({ ...newTrial(), state: 'running', owner, attempt: 1, ...patch });
const waiting = (patch: Partial<TrialInsert> = {}): TrialInsert => ({ ...newTrial(), state: 'waiting', attempt: 2, ...patch });

const rejectsWith = (p: Promise<unknown>, code: string) => assert.rejects(p, (err: { code?: string }) => err.code === code);

export interface ConformanceOptions {
  /**
   * 'injected': `makeStore(now)` uses that clock for every timestamp (SQLite, memory), and the
   * suite checks exact values. 'server': the store has its own clock (PostgreSQL's `now()`); the
   * suite checks timestamps are consistent with each other instead.
   */
  clock?: 'injected' | 'server';
  /** Two stores on one database (two connections / processes), for the cross-connection checks. */
  makePair?: () => Promise<[Store, Store]>;
  /** Why the suite cannot run here (no PostgreSQL server); the suite is skipped with this reason. */
  skip?: string;
}

/**
 * A study with something in every field (trials in every state, epochs with a NaN, workers,
 * strategy state, test results, checksums), dumped: for the import and copy tests.
 */
export async function richDump(store: Store, name = 'rich'): Promise<StudyDump> {
  const s = await store.createStudy(name, definition({ seed: 17 }));
  await store.updateStudy(s.id, { strategyState: { generation: 2, rng: 99, parents: [1, 2] }, backend: 'wasm', dataChecksums: { 'train.gz': 'ab12', 'test.gz': 'cd34' } });
  const w = await store.transact(s.id, (tx) => tx.registerWorker({ id: `${name}:host-a:11`, host: 'host-a', pid: 11, machine: 'boot/pid:[1]', backend: 'tensorflow-gpu', artifacts: '/srv/runs/rich' }));
  const done = await storeTrial(store, s.id, newTrial({ seed: 1, group: 'searched', label: 'x', attributes: { parent: 0 }, training: { epochs: 2 } }), undefined, w.id);
  await store.addEpoch(leaseOf(done), epoch(0));
  await store.addEpoch(leaseOf(done), { epoch: 1, trainLoss: 0.5, valLoss: 0.6, valAccuracy: NaN, elapsedMs: 7, outputs: { phase: 'prune', genotype: [['sep_conv_3x3', 0]] } });
  await store.finishTrial(leaseOf(done), { state: 'completed', metrics: fullMetrics(0.875) });
  const killed = await storeTrial(store, s.id, newTrial({ seed: 2 }), undefined, w.id);
  await store.transact(s.id, async (tx) => {
    await tx.interruptTrial(killed.id, 'no heartbeat for 60 s');
    await tx.insertTrial({ ...newTrial({ seed: 2, attributes: { redoOf: killed.number } }), state: 'waiting', attempt: 2 });
    await tx.insertTrial({ sample: { units: 7 }, architecture: null, seed: 3, state: 'failed', attempt: 1, error: 'outside the space', told: true });
    await tx.markTold([done.id, killed.id]);
    await tx.updateStudy({ runStartedAt: 1_234, tester: w.id });
    await tx.endWorker(w.id);
  });
  await storeTrial(store, s.id, newTrial({ seed: 4 }), { state: 'pruned', error: 'pruned after epoch 0' }, w.id);
  await store.updateStudy(s.id, { testResults: { 0: { testAccuracy: 0.9, testLoss: 0.3, evaluatedAt: 1_700_000_000_000 } }, state: 'stopped' });
  return dumpStudy(store, name);
}

/**
 * The Store contract of `search/store.ts`, run against every implementation.
 * `makeStore` returns a fresh, empty store; each test closes it.
 */
export function describeStoreConformance(name: string, makeStore: (now?: () => number) => Promise<Store>, options: ConformanceOptions = {}): void {
  const injected = (options.clock ?? 'injected') === 'injected';
  const withStore = (fn: (store: Store) => Promise<void>) => async () => {
    const store = await makeStore();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };
  /** A store on a clock the test moves (exact timestamps only with an injected clock). */
  const withClock = (fn: (store: Store, clock: { t: number }) => Promise<void>) => async () => {
    const clock = { t: 1_700_000_000_000 };
    const store = await makeStore(() => clock.t);
    try {
      await fn(store, clock);
    } finally {
      await store.close();
    }
  };
  const tx = <T>(store: Store, studyId: number, fn: (tx: StudyTransaction) => Promise<T>) => store.transact(studyId, fn);

  describe(`Store conformance: ${name}`, { skip: options.skip }, () => {
    it('creates, gets and lists studies', withStore(async (store) => {
      const def = definition({ seed: 42 });
      const a = await store.createStudy('a', def);
      const b = await store.createStudy('b', definition());
      assert.equal(a.name, 'a');
      assert.equal(a.state, 'running');
      assert.deepEqual(a.definition, def);
      assert.notEqual(a.id, b.id);
      assert.deepEqual(await store.getStudy('a'), a);
      assert.equal(await store.getStudy('missing'), undefined);
      assert.deepEqual((await store.listStudies()).map((s) => s.name), ['a', 'b']);
    }));

    it('refuses a second study with the same name', withStore(async (store) => {
      await store.createStudy('dup', definition());
      await rejectsWith(store.createStudy('dup', definition({ seed: 9 })), 'STUDY_EXISTS');
      assert.equal((await store.listStudies()).length, 1);
    }));

    it('numbers inserted trials 0, 1, 2… per study, in every state', withStore(async (store) => {
      const s1 = await store.createStudy('s1', definition());
      const s2 = await store.createStudy('s2', definition());
      const t0 = await tx(store, s1.id, (t) => t.insertTrial(running('w1', { seed: 1, group: 'searched', label: 'first' })));
      const t1 = await tx(store, s1.id, (t) => t.insertTrial(waiting({ seed: 2 })));
      const t2 = await tx(store, s1.id, (t) => t.insertTrial({ sample: { units: 500 }, architecture: null, seed: 3, state: 'failed', attempt: 1, error: 'outside the space' }));
      const u0 = await tx(store, s2.id, (t) => t.insertTrial(running('w2')));
      assert.deepEqual([t0.number, t1.number, t2.number, u0.number], [0, 1, 2, 0]);
      assert.deepEqual([t0.state, t0.owner, t0.attempt, t0.studyId, t0.group, t0.label], ['running', 'w1', 1, s1.id, 'searched', 'first']);
      assert.equal(t0.heartbeatAt, t0.startedAt);
      assert.deepEqual(t0.architecture, architecture());
      assert.deepEqual([t1.state, t1.owner, t1.attempt, t1.seed, t1.heartbeatAt, t1.finishedAt], ['waiting', undefined, 2, 2, undefined, undefined]);
      assert.deepEqual([t2.state, t2.error, t2.architecture, typeof t2.finishedAt, t2.toldAt], ['failed', 'outside the space', null, 'number', undefined]);
      assert.deepEqual((await store.getTrials(s1.id)).map((t) => t.number), [0, 1, 2]);
      assert.deepEqual(await store.getTrial(s1.id, 1), t1);
      assert.equal(await store.getTrial(s1.id, 3), undefined);
      await rejectsWith(tx(store, s1.id + s2.id + 100, async () => 1), 'STUDY_NOT_FOUND');
    }));

    it('refuses inserts that break the protocol', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      await rejectsWith(tx(store, s.id, (t) => t.insertTrial({ ...newTrial(), state: 'running', attempt: 1 })), 'TRIAL_INSERT_INVALID');
      await rejectsWith(tx(store, s.id, (t) => t.insertTrial(waiting({ owner: 'w1' }))), 'TRIAL_INSERT_INVALID');
      await rejectsWith(tx(store, s.id, (t) => t.insertTrial(running('w1', { attempt: 0 }))), 'TRIAL_INSERT_INVALID');
      await rejectsWith(tx(store, s.id, (t) => t.insertTrial({ ...newTrial(), state: 'completed' as 'failed', attempt: 1 })), 'TRIAL_INSERT_INVALID');
      assert.deepEqual(await store.getTrials(s.id), []);
    }));

    it('keeps a null architecture and omits unset optional fields', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const t = await storeTrial(store, s.id, { sample: {}, architecture: null, seed: 0 });
      assert.equal(t.architecture, null);
      for (const key of ['group', 'label', 'training', 'attributes', 'metrics', 'error', 'finishedAt', 'toldAt']) assert.ok(!(key in t), key);
      assert.deepEqual(await store.getTrial(s.id, 0), t);
    }));

    it('finishes a leased trial once; a lost lease writes nothing and says so', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const t = await storeTrial(store, s.id, newTrial(), undefined, 'w1');
      const lease = leaseOf(t);
      assert.equal(await store.heartbeat({ ...lease, owner: 'w2' }), false, 'another owner');
      assert.equal(await store.heartbeat({ ...lease, attempt: 2 }), false, 'another attempt');
      assert.equal(await store.addEpoch({ ...lease, owner: 'w2' }, epoch(0)), false);
      assert.equal(await store.finishTrial({ ...lease, attempt: 2 }, { state: 'failed' }), undefined);
      assert.equal(await store.heartbeat(lease), true);
      assert.equal(await store.addEpoch(lease, epoch(0)), true);
      const done = (await store.finishTrial(lease, { state: 'completed', metrics: fullMetrics() }))!;
      assert.equal(done.state, 'completed');
      assert.equal(typeof done.finishedAt, 'number');
      assert.deepEqual(done.metrics, fullMetrics());
      assert.equal(done.toldAt, undefined, 'the next transaction tells the strategy');
      assert.deepEqual(await store.getTrial(s.id, 0), done);
      // Finished: immutable, and every fenced write is refused without an error.
      assert.equal(await store.finishTrial(lease, { state: 'failed', error: 'again' }), undefined);
      assert.equal(await store.addEpoch(lease, epoch(1)), false);
      assert.equal(await store.heartbeat(lease), false);
      assert.equal(await store.heartbeat({ trialId: t.id + 1000, owner: 'w1', attempt: 1 }), false, 'an unknown trial is a lost lease');
      assert.deepEqual(await store.getTrial(s.id, 0), done);
      assert.deepEqual(await store.getEpochs(t.id), [epoch(0)]);
      const failed = (await storeTrial(store, s.id, newTrial(), { state: 'failed', error: 'boom: out of memory' }))!;
      assert.equal(failed.error, 'boom: out of memory');
      assert.equal(failed.metrics, undefined);
    }));

    it('refuses to finish a trial in a non-final state', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const t = await storeTrial(store, s.id, newTrial());
      await rejectsWith(store.finishTrial(leaseOf(t), { state: 'running' as 'completed' }), 'TRIAL_STATE_INVALID');
      await rejectsWith(store.finishTrial(leaseOf(t), { state: 'waiting' as 'completed' }), 'TRIAL_STATE_INVALID');
      assert.equal((await store.getTrial(s.id, 0))!.state, 'running');
    }));

    it('claims a waiting trial once', withClock(async (store, clock) => {
      const s = await store.createStudy('s', definition());
      const w = await tx(store, s.id, (t) => t.insertTrial(waiting({ seed: 5 })));
      clock.t += 1000;
      const claimed = (await tx(store, s.id, (t) => t.claimTrial(w.id, 'w2')))!;
      assert.deepEqual([claimed.state, claimed.owner, claimed.attempt, claimed.seed], ['running', 'w2', 2, 5]);
      if (injected) assert.deepEqual([claimed.startedAt, claimed.heartbeatAt], [clock.t, clock.t], 'startedAt is when it was claimed');
      assert.equal(await tx(store, s.id, (t) => t.claimTrial(w.id, 'w3')), undefined, 'claimed already');
      const r = await storeTrial(store, s.id, newTrial());
      assert.equal(await tx(store, s.id, (t) => t.claimTrial(r.id, 'w3')), undefined, 'running, not waiting');
      assert.equal(await store.heartbeat(leaseOf(claimed)), true);
      assert.equal(await store.heartbeat({ ...leaseOf(claimed), owner: 'w3' }), false);
    }));

    it('interrupts a running trial whoever holds it; its lease is lost from then on (fencing a zombie)', withClock(async (store, clock) => {
      const s = await store.createStudy('s', definition());
      const t = await storeTrial(store, s.id, newTrial(), undefined, 'zombie');
      await store.addEpoch(leaseOf(t), epoch(0));
      clock.t += 5000;
      const ended = (await tx(store, s.id, (x) => x.interruptTrial(t.id, 'no heartbeat for 60 s')))!;
      assert.deepEqual([ended.state, ended.error, ended.owner], ['interrupted', 'no heartbeat for 60 s', 'zombie']);
      if (injected) assert.equal(ended.finishedAt, clock.t);
      assert.equal(await tx(store, s.id, (x) => x.interruptTrial(t.id, 'again')), undefined);
      // The process that held it wakes up: nothing it writes lands.
      assert.equal(await store.heartbeat(leaseOf(t)), false);
      assert.equal(await store.addEpoch(leaseOf(t), epoch(1)), false);
      assert.equal(await store.finishTrial(leaseOf(t), { state: 'completed', metrics: fullMetrics() }), undefined);
      assert.deepEqual(await store.getTrial(s.id, 0), ended);
      assert.deepEqual(await store.getEpochs(t.id), [epoch(0)]);
    }));

    it('marks finished trials told once, and never a running or waiting one', withClock(async (store, clock) => {
      const s = await store.createStudy('s', definition());
      const done = await storeTrial(store, s.id, newTrial(), { state: 'completed', metrics: fullMetrics() });
      const live = await storeTrial(store, s.id, newTrial());
      const queued = await tx(store, s.id, (t) => t.insertTrial(waiting()));
      const never = await tx(store, s.id, (t) => t.insertTrial({ ...newTrial(), architecture: null, state: 'failed', attempt: 1, error: 'ask threw', told: true }));
      clock.t += 10;
      const at = await tx(store, s.id, async (t) => { await t.markTold([done.id, live.id, queued.id]); return t.now; });
      clock.t += 10;
      await tx(store, s.id, (t) => t.markTold([done.id]));
      const trials = await store.getTrials(s.id);
      assert.equal(typeof trials[0]!.toldAt, 'number');
      if (injected) assert.equal(trials[0]!.toldAt, at, 'told once: a second markTold changes nothing');
      assert.deepEqual([trials[1]!.toldAt, trials[2]!.toldAt], [undefined, undefined]);
      assert.equal(typeof trials[3]!.toldAt, 'number', 'a failed insert with told: true is told at once');
      if (injected) assert.equal(never.toldAt, never.finishedAt);
    }));

    it('rolls a transaction back entirely when its function throws', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const w = await tx(store, s.id, (t) => t.insertTrial(waiting()));
      const r = await storeTrial(store, s.id, newTrial());
      await tx(store, s.id, (t) => t.updateStudy({ strategyState: { cursor: 1 } }));
      const before = { study: await store.getStudy('s'), trials: await store.getTrials(s.id), workers: await store.getWorkers(s.id) };
      await assert.rejects(tx(store, s.id, async (t) => {
        await t.insertTrial(running('w9'));
        await t.claimTrial(w.id, 'w9');
        await t.interruptTrial(r.id, 'reaped');
        await t.markTold([r.id]);
        await t.updateStudy({ strategyState: { cursor: 2 }, state: 'stopped', tester: 'w9' });
        await t.registerWorker({ id: 'w9', host: 'h', pid: 1 });
        throw new Error('strategy threw in tell()');
      }), /strategy threw in tell/);
      assert.deepEqual({ study: await store.getStudy('s'), trials: await store.getTrials(s.id), workers: await store.getWorkers(s.id) }, before);
      // ...and the next insert still gets the next dense number.
      assert.equal((await tx(store, s.id, (t) => t.insertTrial(running('w1')))).number, 2);
    }));

    it('refuses a transaction object used after its function settled, and store calls from inside it', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      let leaked!: StudyTransaction;
      await tx(store, s.id, async (t) => { leaked = t; });
      await rejectsWith(leaked.insertTrial(running()), 'STORE_TX_ENDED');
      await rejectsWith(leaked.getTrials(), 'STORE_TX_ENDED');
      await rejectsWith(tx(store, s.id, () => store.getTrials(s.id)), 'STORE_TX_NESTED');
      assert.deepEqual(await store.getTrials(s.id), []);
    }));

    it('serialises transactions: concurrent read-modify-writes lose nothing', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      await store.updateStudy(s.id, { strategyState: { n: 0 } });
      const bump = () => tx(store, s.id, async (t) => {
        const { n } = (await t.getStudy()).strategyState as { n: number };
        await new Promise((r) => setTimeout(r, 1)); // another caller would slip in here without the lock
        await t.insertTrial(running('w', { seed: n }));
        await t.updateStudy({ strategyState: { n: n + 1 } });
      });
      await Promise.all(Array.from({ length: 12 }, bump));
      assert.deepEqual((await store.getStudy('s'))!.strategyState, { n: 12 });
      const trials = await store.getTrials(s.id);
      assert.deepEqual(trials.map((t) => t.number), Array.from({ length: 12 }, (_, i) => i));
      assert.deepEqual(trials.map((t) => t.seed), Array.from({ length: 12 }, (_, i) => i), 'each saw the one before');
    }));

    it('takes every timestamp from the store clock, the same one as tx.now', withClock(async (store, clock) => {
      const s = await store.createStudy('s', definition());
      const t = await tx(store, s.id, async (x) => ({ now: x.now, trial: await x.insertTrial(running()) }));
      clock.t += 700;
      assert.equal(await store.heartbeat(leaseOf(t.trial)), true);
      const beat = (await store.getTrial(s.id, 0))!.heartbeatAt!;
      clock.t += 700;
      const done = (await store.finishTrial(leaseOf(t.trial), { state: 'completed', metrics: fullMetrics() }))!;
      assert.ok(t.trial.startedAt === t.now && t.now <= beat && beat <= done.finishedAt!);
      if (injected) {
        assert.deepEqual([t.now, beat, done.finishedAt], [1_700_000_000_000, 1_700_000_000_700, 1_700_000_001_400]);
        assert.equal((await store.getStudy('s'))!.createdAt, 1_700_000_000_000);
      }
    }));

    it('registers workers, keeps their heartbeats, and ends them', withClock(async (store, clock) => {
      const s = await store.createStudy('s', definition());
      const other = await store.createStudy('other', definition());
      const w = await tx(store, s.id, (t) => t.registerWorker({ id: 'host:11:a', host: 'host', pid: 11, machine: 'boot-1/pid:[4026531836]', backend: 'native', artifacts: '/data/runs.artifacts/s' }));
      await tx(store, other.id, (t) => t.registerWorker({ id: 'host:12:b', host: 'host', pid: 12 }));
      assert.deepEqual([w.id, w.studyId, w.host, w.pid, w.machine, w.backend, w.artifacts, w.endedAt], ['host:11:a', s.id, 'host', 11, 'boot-1/pid:[4026531836]', 'native', '/data/runs.artifacts/s', undefined]);
      assert.equal(w.startedAt, w.heartbeatAt);
      await rejectsWith(tx(store, s.id, (t) => t.registerWorker({ id: 'host:11:a', host: 'host', pid: 11 })), 'WORKER_EXISTS');
      clock.t += 2000;
      assert.equal(await store.workerHeartbeat('host:11:a'), true);
      const [beat] = await store.getWorkers(s.id);
      assert.ok(beat!.heartbeatAt >= w.heartbeatAt);
      if (injected) assert.equal(beat!.heartbeatAt, clock.t);
      assert.equal(await store.workerHeartbeat('nobody'), false);
      await tx(store, s.id, (t) => t.endWorker('host:11:a'));
      assert.equal(await store.workerHeartbeat('host:11:a'), false, 'an ended worker must stop');
      const ended = (await store.getWorkers(s.id))[0]!;
      assert.equal(typeof ended.endedAt, 'number');
      assert.deepEqual((await tx(store, s.id, (t) => t.getWorkers())).map((x) => x.id), ['host:11:a']);
      assert.deepEqual((await store.getWorkers(other.id)).map((x) => x.id), ['host:12:b']);
    }));

    it('returns snapshots: mutating a result changes nothing stored', withStore(async (store) => {
      const def = definition();
      const s = await store.createStudy('s', def);
      def.seed = 999; // the input is copied too
      s.definition.training.epochs = 999;
      s.name = 'renamed';
      const sample = { units: 32 };
      const t = await storeTrial(store, s.id, newTrial({ sample, attributes: { tag: 'x' } }));
      sample.units = 1;
      t.sample['units'] = 2;
      t.architecture!.layers.length = 0;
      t.attributes!['tag'] = 'y';
      const e = epoch(0);
      await store.addEpoch(leaseOf(t), e);
      e.valAccuracy = -1;
      (await store.getEpochs(t.id))[0]!.valLoss = -1;
      const metrics = fullMetrics();
      const done = (await store.finishTrial(leaseOf(t), { state: 'completed', metrics }))!;
      metrics.layers[0]!.params = -1;
      done.metrics!.valAccuracy = -1;
      (await store.listStudies())[0]!.state = 'stopped';
      (await tx(store, s.id, (x) => x.getTrials()))[0]!.sample['units'] = 3;

      const study = (await store.getStudy('s'))!;
      assert.equal(study.definition.seed, definition().seed);
      assert.equal(study.definition.training.epochs, definition().training.epochs);
      assert.equal(study.state, 'running');
      const stored = (await store.getTrial(s.id, 0))!;
      assert.deepEqual(stored.sample, { units: 32 });
      assert.deepEqual(stored.architecture, architecture());
      assert.deepEqual(stored.attributes, { tag: 'x' });
      assert.deepEqual(stored.metrics, fullMetrics());
      assert.deepEqual(await store.getEpochs(t.id), [epoch(0)]);
    }));

    it('returns epochs in epoch order, per trial', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const t = leaseOf(await storeTrial(store, s.id, newTrial()));
      const other = leaseOf(await storeTrial(store, s.id, newTrial()));
      for (const e of [2, 0, 1]) await store.addEpoch(t, epoch(e));
      await store.addEpoch(other, epoch(0, 0.1));
      await rejectsWith(store.addEpoch(t, epoch(1)), 'EPOCH_EXISTS');
      assert.deepEqual(await store.getEpochs(t.trialId), [epoch(0), epoch(1), epoch(2)]);
      assert.deepEqual(await store.getEpochs(other.trialId), [epoch(0, 0.1)]);
      const minimal = { epoch: 0, trainLoss: 1, valLoss: 2, valAccuracy: NaN, elapsedMs: 4 };
      const third = leaseOf(await storeTrial(store, s.id, newTrial()));
      await store.addEpoch(third, minimal);
      assert.deepEqual(await store.getEpochs(third.trialId), [minimal]);
    }));

    it("keeps a training method's per-epoch outputs with the epoch, as snapshots", withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const t = leaseOf(await storeTrial(store, s.id, newTrial()));
      const outputs = { phase: 'prune', entropy: { normal: 2.07, reduce: 2.05 }, genotype: [['sep_conv_3x3', 0], ['skip_connect', 1]], done: false, note: null };
      const first = { ...epoch(0), outputs };
      await store.addEpoch(t, first);
      await store.addEpoch(t, epoch(1));
      outputs.phase = 'changed';
      const got = await store.getEpochs(t.trialId);
      assert.deepEqual(got, [{ ...epoch(0), outputs: { ...outputs, phase: 'prune' } }, epoch(1)]);
      assert.equal('outputs' in got[1]!, false, 'an epoch without outputs has no outputs key');
      got[0]!.outputs!['phase'] = 'mutated';
      assert.equal((await store.getEpochs(t.trialId))[0]!.outputs!['phase'], 'prune');
    }));

    it('deletes a study with its trials, epochs and workers only', withStore(async (store) => {
      const gone = await store.createStudy('gone', definition());
      const kept = await store.createStudy('kept', definition());
      const t = leaseOf(await storeTrial(store, gone.id, newTrial()));
      await store.addEpoch(t, epoch(0));
      await tx(store, gone.id, (x) => x.registerWorker({ id: 'wg', host: 'h', pid: 1 }));
      const k = leaseOf(await storeTrial(store, kept.id, newTrial()));
      await store.addEpoch(k, epoch(0));
      await store.deleteStudy(gone.id);
      assert.equal(await store.getStudy('gone'), undefined);
      assert.deepEqual(await store.getTrials(gone.id), []);
      assert.deepEqual(await store.getEpochs(t.trialId), []);
      assert.deepEqual(await store.getWorkers(gone.id), []);
      assert.equal(await store.heartbeat(t), false, 'a lease on a deleted trial is lost');
      assert.equal((await store.getTrials(kept.id)).length, 1);
      assert.deepEqual(await store.getEpochs(k.trialId), [epoch(0)]);
      await rejectsWith(store.deleteStudy(gone.id), 'STUDY_NOT_FOUND');
      // the name is free again
      assert.equal((await store.createStudy('gone', definition())).name, 'gone');
    }));

    it('round-trips study updates, strategy state, run start and tester included', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const state = { generation: 3, population: [{ sample: { units: 64 }, fitness: 0.91 }], rng: 123456789, done: false, parent: null };
      await store.updateStudy(s.id, { strategyState: state, backend: 'wasm', dataChecksums: { 'train.gz': 'ab12' } });
      await store.updateStudy(s.id, { state: 'stopped' });
      await tx(store, s.id, (t) => t.updateStudy({ runStartedAt: 1_234, tester: 'w7', definition: definition({ budget: { maxTrials: 20, timeLimitMinutes: 3 } }) }));
      const got = (await store.getStudy('s'))!;
      assert.deepEqual(got.strategyState, state);
      assert.equal(got.backend, 'wasm');
      assert.deepEqual(got.dataChecksums, { 'train.gz': 'ab12' });
      assert.equal(got.state, 'stopped');
      assert.deepEqual([got.runStartedAt, got.tester, got.definition.budget], [1_234, 'w7', { maxTrials: 20, timeLimitMinutes: 3 }]);
      assert.ok(got.updatedAt >= s.updatedAt);
      await tx(store, s.id, (t) => t.updateStudy({ tester: null }));
      assert.ok(!('tester' in (await store.getStudy('s'))!));
      await store.updateStudy(s.id, { strategyState: null });
      assert.equal((await store.getStudy('s'))!.strategyState, null);
      await rejectsWith(store.updateStudy(s.id + 1000, { state: 'finished' }), 'STUDY_NOT_FOUND');
    }));

    it('round-trips study-level test results; a patch replaces them and leaves the rest', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      assert.equal(s.testResults, undefined);
      await store.updateStudy(s.id, { backend: 'wasm', strategyState: { cursor: 4 } });
      const first = { 3: { testAccuracy: 0.9125, testLoss: 0.3017, evaluatedAt: 1_700_000_000_123 } };
      await store.updateStudy(s.id, { testResults: first });
      const got = (await store.getStudy('s'))!;
      assert.deepEqual(got.testResults, first);
      assert.equal(got.backend, 'wasm');
      assert.deepEqual(got.strategyState, { cursor: 4 });
      // a snapshot: changing what was returned changes nothing stored
      got.testResults![3]!.testAccuracy = 0;
      assert.equal((await store.getStudy('s'))!.testResults![3]!.testAccuracy, 0.9125);
      const both = { ...first, 0: { testAccuracy: 0.5, testLoss: 1.25, evaluatedAt: 1_700_000_000_456 } };
      await store.updateStudy(s.id, { testResults: both });
      await store.updateStudy(s.id, { state: 'finished' });
      assert.deepEqual((await store.getStudy('s'))!.testResults, both);
      assert.deepEqual((await store.listStudies())[0]!.testResults, both);
    }));

    it('round-trips full metrics with layers, outputs and non-finite extras', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      await storeTrial(store, s.id, newTrial({ training: { epochs: 1, learningRate: 0.01 }, attributes: { parent: 3, ops: ['a', 'b'] } }),
        { state: 'completed', metrics: fullMetrics(0.875) });
      const got = (await store.getTrials(s.id))[0]!;
      assert.deepEqual(got.metrics, fullMetrics(0.875));
      assert.equal(got.metrics!.extra!['epochsToThreshold'], Infinity);
      assert.deepEqual(got.training, { epochs: 1, learningRate: 0.01 });
      assert.deepEqual(got.attributes, { parent: 3, ops: ['a', 'b'] });
    }));

    it('serves concurrent calls: one finish per lease wins', withStore(async (store) => {
      const s = await store.createStudy('s', definition());
      const trials = await Promise.all(Array.from({ length: 20 }, (_, i) => storeTrial(store, s.id, newTrial({ seed: i }))));
      assert.deepEqual(trials.map((t) => t.number).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
      const results = await Promise.all(trials.flatMap((t) => [
        store.finishTrial(leaseOf(t), { state: 'completed', metrics: fullMetrics(t.seed / 20) }),
        store.finishTrial(leaseOf(t), { state: 'failed', error: 'second' }),
      ]));
      for (let i = 0; i < 20; i++) assert.equal([results[2 * i], results[2 * i + 1]].filter(Boolean).length, 1);
      assert.ok((await store.getTrials(s.id)).every((t) => t.state === 'completed'), 'the first call wins');
    }));

    if (options.makePair) {
      it('across two connections: transactions serialise, one claim wins, fences hold', async () => {
        const [a, b] = await options.makePair!();
        try {
          const s = await a.createStudy('shared', definition());
          await a.updateStudy(s.id, { strategyState: { n: 0 } });
          const bump = (store: Store) => store.transact(s.id, async (t) => {
            const { n } = (await t.getStudy()).strategyState as { n: number };
            await new Promise((r) => setTimeout(r, 2));
            await t.insertTrial(waiting({ seed: n }));
            await t.updateStudy({ strategyState: { n: n + 1 } });
          });
          await Promise.all(Array.from({ length: 16 }, (_, i) => bump(i % 2 ? a : b)));
          assert.deepEqual((await b.getStudy('shared'))!.strategyState, { n: 16 });
          const trials = await a.getTrials(s.id);
          assert.deepEqual(trials.map((t) => [t.number, t.seed]), Array.from({ length: 16 }, (_, i) => [i, i]));
          const claims = await Promise.all([a, b, a, b].map((store, i) => store.transact(s.id, (t) => t.claimTrial(trials[0]!.id, `w${i}`))));
          const won = claims.filter(Boolean);
          assert.equal(won.length, 1);
          const lease = leaseOf(won[0]!);
          await a.transact(s.id, (t) => t.interruptTrial(lease.trialId, 'stale'));
          assert.equal(await b.heartbeat(lease), false);
          assert.equal(await b.finishTrial(lease, { state: 'completed', metrics: fullMetrics() }), undefined);
        } finally {
          await Promise.all([a.close(), b.close()]);
        }
      });
    }

    it('renames a study; its trials follow, and a taken name is refused', withStore(async (store) => {
      const a = await store.createStudy('a', definition());
      await store.createStudy('b', definition());
      await storeTrial(store, a.id, newTrial());
      await store.renameStudy(a.id, 'a2');
      assert.equal(await store.getStudy('a'), undefined);
      const renamed = (await store.getStudy('a2'))!;
      assert.equal(renamed.id, a.id);
      assert.equal((await store.getTrials(renamed.id)).length, 1);
      await rejectsWith(store.renameStudy(a.id, 'b'), 'STUDY_EXISTS');
      await rejectsWith(store.renameStudy(a.id + 1000, 'c'), 'STUDY_NOT_FOUND');
      assert.deepEqual((await store.listStudies()).map((s) => s.name), ['a2', 'b']);
    }));

    it('imports a dumped study with every field as it was', withStore(async (store) => {
      const dump = await richDump(store);
      const source = await store.getStudy('rich');
      await rejectsWith(store.importStudy(dump), 'STUDY_EXISTS');
      dump.study.name = 'rich-copy';
      await rejectsWith(store.importStudy(dump), 'WORKER_EXISTS');
      for (const w of dump.workers) w.id += '-copy';
      for (const t of dump.trials) if (t.owner) t.owner += '-copy';
      const imported = await store.importStudy(dump);
      assert.notEqual(imported.id, source!.id);
      assert.equal(imported.name, 'rich-copy');
      assert.deepEqual(await dumpStudy(store, 'rich-copy'), dump);
      assert.equal(studyDigest(await dumpStudy(store, 'rich-copy')), studyDigest(dump));
      await rejectsWith(store.importStudy({ ...dump, format: 'sparsenas-study/0' as 'sparsenas-study/1' }), 'STUDY_DUMP_INVALID');
    }));

    it('finishes calls made before close and rejects calls after it', async () => {
      const store = await makeStore();
      const pending = store.createStudy('last', definition());
      const closing = store.close();
      await rejectsWith(store.getStudy('last'), 'STORE_CLOSED');
      assert.equal((await pending).name, 'last');
      await closing;
      await rejectsWith(store.listStudies(), 'STORE_CLOSED');
      await store.close(); // closing twice is harmless
    });
  });
}
