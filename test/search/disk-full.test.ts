// Issue 13, fault "disk full": out of space is the machine's fault, not the candidate's. A trial
// that meets ENOSPC (its weights) or SQLITE_FULL (its epochs, its result) is interrupted, not
// failed; the search stops with the study interrupted and a message naming the path and the fix;
// resume redoes exactly those trials with the same seeds and completes the budget.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, machineFault, runSearch, workerIdentity } from '../../search/index.js';
import type { EvaluationRequest, RunnerOptions, Store, StudyDefinition, Trial } from '../../search/index.js';
import { ArtifactError } from '../../evaluators/errors.js';
import { definition } from './fixtures.js';
import { FakeEvaluator, ScriptedStrategy, counting, fakeSpace, recordingBus, trainNormally } from './runner-fakes.js';
import type { Behaviour } from './runner-fakes.js';

const BUDGET = 6;

function def(): StudyDefinition {
  const d = definition({ seed: 31, budget: { maxTrials: BUDGET }, testTopK: 0 });
  d.training.epochs = 2;
  return d;
}

/** What node's fs throws when the disk is full, wrapped as the weights writer wraps it. */
function enospcWritingWeights(dir: string): Error {
  const cause = Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
  return new ArtifactError(dir, `could not write trial weights to ${dir}: ${cause.message}; check the directory is writable`, { cause });
}

/** What the sqlite3 package throws when the database cannot grow. */
const sqliteFull = () => Object.assign(new Error('SQLITE_FULL: database or disk is full'), { code: 'SQLITE_FULL', errno: 13 });

/** A store whose chosen writes fail with SQLITE_FULL (the disk filled up under the database). */
function fullWhen(store: Store, full: (method: string, args: unknown[]) => boolean): Store {
  return new Proxy(store, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => (full(String(key), args) ? Promise.reject(sqliteFull()) : value.apply(target, args));
    },
  });
}

function run(store: Store, behaviour: (n: number) => Behaviour, extra: Partial<RunnerOptions> = {}) {
  const evaluator = new FakeEvaluator(behaviour);
  const opts: RunnerOptions = {
    store, strategy: new ScriptedStrategy(counting), space: fakeSpace, evaluator, bus: recordingBus().bus, definition: def(),
    studyName: 'full-study', artifactsRoot: '/data/runs.artifacts/full-study', ...extra,
  };
  return { evaluator, done: runSearch(opts) };
}

const units = (r: EvaluationRequest) => (r.architecture.layers[0] as { units: number }).units;

/** After the fault: interrupted study, the hit trial interrupted (not failed) with one waiting redo of the same candidate and seed. */
async function assertStoppedCleanly(store: MemoryStore, hit: number): Promise<Trial[]> {
  const study = (await store.getStudy('full-study'))!;
  assert.equal(study.state, 'interrupted', 'the study is interrupted, not running');
  const trials = await store.getTrials(study.id);
  assert.deepEqual(trials.filter((t) => t.state === 'failed').map((t) => t.number), [], 'no trial is failed');
  assert.deepEqual(trials.filter((t) => t.state === 'running').map((t) => t.number), [], 'nothing is left running');
  const faulted = trials.find((t) => t.number === hit)!;
  assert.equal(faulted.state, 'interrupted');
  const redos = trials.filter((t) => t.attributes?.['redoOf'] === hit);
  assert.equal(redos.length, 1, 'one redo is queued');
  assert.equal(redos[0]!.state, 'waiting');
  assert.equal(redos[0]!.seed, faulted.seed);
  assert.deepEqual(redos[0]!.architecture, faulted.architecture);
  return trials;
}

/** Resume with space back: the budget completes, and only the faulted candidates were trained twice, with one seed. */
async function assertResumeCompletes(store: MemoryStore, before: readonly EvaluationRequest[], faulted: readonly number[]) {
  const resumed = run(store, () => trainNormally, { resume: true });
  const out = await resumed.done;
  assert.equal(out.study.state, 'finished');
  const counted = out.trials.filter((t) => t.state === 'completed' || t.state === 'pruned' || t.state === 'failed');
  assert.equal(counted.length, BUDGET, 'the budget is completed');
  assert.ok(counted.every((t) => t.state === 'completed'));
  assert.equal(out.trials.filter((t) => t.state === 'interrupted').length, faulted.length);
  // The first thing resume trains is the redo: the same candidate with the same seed.
  const firstHit = before.find((r) => r.trialNumber === faulted[0])!;
  assert.equal(units(resumed.evaluator.requests[0]!), units(firstHit));
  assert.equal(resumed.evaluator.requests[0]!.seed, firstHit.seed);
  const all = [...before, ...resumed.evaluator.requests];
  assert.equal(all.length, BUDGET + faulted.length, 'no trial trained twice beyond the redo');
  const seeds = new Map<number, Set<number>>();
  for (const r of all) seeds.set(units(r), (seeds.get(units(r)) ?? new Set()).add(r.seed));
  assert.equal(seeds.size, BUDGET, 'every candidate of the budget was trained');
  for (const [u, s] of seeds) assert.equal(s.size, 1, `candidate units=${u} trained with one seed`);
}

describe('disk full (issue 13): the machine\'s fault, not the candidate\'s', () => {
  it('ENOSPC writing trial weights stops the search, trial interrupted not failed, study interrupted; resume redoes it', async () => {
    const store = new MemoryStore();
    const first = run(store, (n) => (n === 2 ? async (req, reporter) => { await trainNormally(req, reporter, new AbortController().signal); throw enospcWritingWeights(req.artifactDir!); } : trainNormally));
    await assert.rejects(first.done, (err: Error & { code?: string }) => {
      assert.equal(err.code, 'DISK_FULL', err.message);
      assert.match(err.message, /out of disk space writing \/data\/runs\.artifacts\/full-study\/trial-2 \(.*ENOSPC/);
      assert.match(err.message, /machine's fault, not the candidate's/);
      assert.match(err.message, /study "full-study" is interrupted and trial 2 is not counted and will be redone with the same seed/);
      assert.match(err.message, /Free space on the disk holding \/data\/runs\.artifacts\/full-study\/trial-2 .*then run `sparsenas resume --study full-study`/);
      return true;
    });
    assert.deepEqual(first.evaluator.requests.map((r) => r.trialNumber), [0, 1, 2], 'the search did not go on after the fault');
    const trials = await assertStoppedCleanly(store, 2);
    assert.match(trials[2]!.error!, /ENOSPC/);
    await assertResumeCompletes(store, first.evaluator.requests, [2]);
  });

  it('SQLITE_FULL writing an epoch row is not the candidate\'s failure either', async () => {
    const inner = new MemoryStore();
    let epochs = 0;
    const store = fullWhen(inner, (method) => method === 'addEpoch' && ++epochs === 4); // trial 1, second epoch
    const first = run(store, () => trainNormally);
    await assert.rejects(first.done, (err: Error & { code?: string }) => {
      assert.equal(err.code, 'DISK_FULL', err.message);
      assert.match(err.message, /SQLITE_FULL: database or disk is full/);
      assert.match(err.message, /trial 1 is not counted/);
      return true;
    });
    assert.equal(first.evaluator.requests.length, 2, 'the search stopped at the fault');
    await assertStoppedCleanly(inner, 1);
    await assertResumeCompletes(inner, first.evaluator.requests, [1]);
  });

  it('SQLITE_FULL writing a trial\'s result: the trial is interrupted (not left running), the study interrupted', async () => {
    const inner = new MemoryStore();
    let results = 0;
    const store = fullWhen(inner, (method) => method === 'finishTrial' && ++results === 3); // trial 2
    const first = run(store, () => trainNormally);
    await assert.rejects(first.done, (err: Error & { code?: string }) => err.code === 'DISK_FULL' && /trial 2 is not counted/.test(err.message));
    await assertStoppedCleanly(inner, 2);
    await assertResumeCompletes(inner, first.evaluator.requests, [2]);
  });

  it('a disk so full that nothing more can be written: the message says so, and resume redoes the trial once space is back', async () => {
    const inner = new MemoryStore();
    let full = false;
    const reads = ['getStudy', 'getTrials', 'getTrial', 'getEpochs', 'getWorkers', 'listStudies'];
    const store = fullWhen(inner, (method) => full && !reads.includes(method));
    // A worker whose process is gone (as after this process exits): resume takes over at once.
    const ghost = workerIdentity(2_147_483_000);
    // The disk fills up while trial 3 trains: from then on every write fails.
    const filling: Behaviour = async (req, reporter, signal) => { const m = await trainNormally(req, reporter, signal); full = true; return m; };
    const first = run(store, (n) => (n === 3 ? filling : trainNormally), { worker: ghost });
    await assert.rejects(first.done, (err: Error & { code?: string }) => {
      assert.equal(err.code, 'DISK_FULL', err.message);
      assert.match(err.message, /the database could not record that either, so study "full-study" reads as running until it is resumed/);
      assert.match(err.message, /sparsenas resume --study full-study/);
      return true;
    });
    full = false;
    const study = (await inner.getStudy('full-study'))!;
    const trials = await inner.getTrials(study.id);
    assert.equal(trials.find((t) => t.number === 3)!.state, 'running', 'nothing could be written: the trial is still leased to the dead worker');
    assert.deepEqual(trials.filter((t) => t.state === 'failed'), []);
    await assertResumeCompletes(inner, first.evaluator.requests, [3]);
  });

  it('machineFault classifies disk-full and I/O errors through the cause chain, and nothing else', () => {
    assert.equal(machineFault(enospcWritingWeights('/w/trial-1'))?.path, '/w/trial-1');
    assert.equal(machineFault(enospcWritingWeights('/w/trial-1'))?.kind, 'disk-full');
    assert.equal(machineFault(Object.assign(new Error('quota'), { code: 'EDQUOT' }))?.kind, 'disk-full');
    assert.equal(machineFault(sqliteFull())?.code, 'SQLITE_FULL');
    assert.equal(machineFault(Object.assign(new Error('SQLITE_IOERR: disk I/O error'), { code: 'SQLITE_IOERR' }))?.kind, 'io-error');
    assert.equal(machineFault(new Error('out of memory')), undefined);
    assert.equal(machineFault(Object.assign(new Error('EACCES'), { code: 'EACCES' })), undefined);
    assert.equal(machineFault('ENOSPC'), undefined);
  });
});
