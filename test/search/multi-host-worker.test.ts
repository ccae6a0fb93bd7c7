import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, assertSameData, locateTrialArtifacts, missingArtifacts, runSearch, testBestTrials } from '../../search/index.js';
import type { EvaluatorInfo, RunnerOptions, Study, Trial, WorkerInfo } from '../../search/index.js';
import { architecture, definition, fullMetrics, storeTrial } from './fixtures.js';
import { FakeEvaluator, ScriptedStrategy, counting, fakeSpace, recordingBus } from './runner-fakes.js';

const study = (sums?: Record<string, string>) => ({ name: 's', dataChecksums: sums }) as Study;
const info = (sums?: Record<string, string>): EvaluatorInfo => ({ backend: 'wasm', reason: '', dataChecksums: sums });
const mismatch = (fn: () => void, text: RegExp) => assert.throws(fn, (e: { code?: string; message: string }) => e.code === 'DATA_MISMATCH' && text.test(e.message));

describe('a worker checks its data against the study', () => {
  it('accepts the same files with the same sha256, wherever they are', () => {
    assertSameData(study({ 'train.gz': 'aa', 'test.gz': 'bb' }), info({ 'test.gz': 'bb', 'train.gz': 'aa' }), 'h');
    assertSameData(study(undefined), info({ 'x.bin': 'cc' }), 'h');
  });

  it('refuses other contents, a missing file and an extra one, naming each and the host', () => {
    mismatch(() => assertSameData(study({ 'train.gz': 'aaaa' }), info({ 'train.gz': 'bbbb' }), 'gpu-1'), /on this host \(gpu-1\).*train\.gz has sha256 bbbb… here, aaaa… in the study/);
    mismatch(() => assertSameData(study({ 'train.gz': 'aa', 'test.gz': 'bb' }), info({ 'train.gz': 'aa' }), 'h'), /test\.gz is missing here/);
    mismatch(() => assertSameData(study({ 'train.gz': 'aa' }), info({ 'train.gz': 'aa', 'more.gz': 'cc' }), 'h'), /more\.gz is here but not in the study.*--data-dir/);
  });

  it('joins a running study only when its data matches; the worker records its backend and weights directory', async () => {
    const store = new MemoryStore();
    const { bus } = recordingBus();
    const def = definition({ seed: 3, budget: { maxTrials: 2 } });
    def.training.epochs = 1;
    const base = (evaluator: FakeEvaluator, worker: string): RunnerOptions => ({
      store, strategy: new ScriptedStrategy(counting), space: fakeSpace, evaluator, bus, definition: def, studyName: 's',
      worker: { id: worker, host: worker, pid: process.pid }, artifactsRoot: `/shared/runs/${worker}`, checkPids: false,
    });
    // The study starts (and stays running) with the data of the first host.
    const first = base(new FakeEvaluator(), 'host-a');
    const s = await store.createStudy('s', def);
    await store.updateStudy(s.id, { dataChecksums: { 'fake.bin': '00ff' } });
    const other = new FakeEvaluator();
    other.prepare = async () => ({ backend: 'fake', reason: '', dataChecksums: { 'fake.bin': '1234' } });
    await assert.rejects(runSearch({ ...base(other, 'host-b'), join: true }), (e: { code?: string }) => e.code === 'DATA_MISMATCH');
    assert.deepEqual(await store.getWorkers(s.id), [], 'refused before registering');
    const out = await runSearch({ ...first, join: true });
    assert.equal(out.trials.length, 2);
    const [w] = await store.getWorkers(s.id);
    assert.deepEqual([w!.host, w!.backend, w!.artifacts], ['host-a', 'fake', '/shared/runs/host-a']);
    assert.ok(out.trials.every((t) => t.owner === w!.id), 'each trial names its worker, hence its host and backend');
  });
});

describe('where a trial\'s weights are', () => {
  const trial = { number: 4, owner: 'w-gpu' } as Trial;
  const workers = [{ id: 'w-gpu', host: 'gpu-1', artifacts: '/home/a/runs.artifacts/s' } as WorkerInfo];

  it('looks in the given roots, then where its worker saved them', () => {
    const has = (dirs: string[]) => (d: string) => dirs.includes(d);
    assert.equal(locateTrialArtifacts(trial, workers, ['/shared/s'], has(['/shared/s/trial-4'])).dir, '/shared/s/trial-4');
    assert.equal(locateTrialArtifacts(trial, workers, ['/shared/s'], has(['/home/a/runs.artifacts/s/trial-4'])).dir, '/home/a/runs.artifacts/s/trial-4');
  });

  it('names the host and directory that have them when this host does not', () => {
    const found = locateTrialArtifacts(trial, workers, ['/here/s'], () => false);
    assert.equal(found.dir, undefined);
    assert.deepEqual(found.savedOn, { host: 'gpu-1', dir: '/home/a/runs.artifacts/s/trial-4', worker: 'w-gpu' });
    assert.match(missingArtifacts(trial, found, 'cpu-2'), /saved on host gpu-1 in \/home\/a\/runs\.artifacts\/s\/trial-4 .*not on this host \(cpu-2\); run this on gpu-1/);
    assert.match(missingArtifacts(trial, found, 'gpu-1'), /no saved weights in \/here\/s\/trial-4 or \/home\/a/);
  });
});

describe('the test phase on a host without the weights', () => {
  it('says which host has them instead of failing to read them here', async () => {
    const store = new MemoryStore();
    const def = definition({ testTopK: 1 });
    const s = await store.createStudy('s', def);
    await store.transact(s.id, (tx) => tx.registerWorker({ id: 'w-gpu', host: 'gpu-far-away', pid: 1, artifacts: '/nonexistent/gpu-far-away/s' }));
    const t = await storeTrial(store, s.id, { sample: {}, architecture: architecture(), seed: 1 }, { state: 'completed', metrics: { ...fullMetrics(0.9), testAccuracy: undefined, testLoss: undefined } }, 'w-gpu');
    await store.transact(s.id, (tx) => tx.updateStudy({ tester: 'me' }));
    const { bus, events } = recordingBus();
    const tested: unknown[] = [];
    const evaluator = Object.assign(new FakeEvaluator(), { evaluateTest: async (req: unknown) => { tested.push(req); return { testAccuracy: 1, testLoss: 0 }; } });
    await testBestTrials({ store, tester: 'me', evaluator, bus, definition: def, study: (await store.getStudy('s'))!, trials: [t], artifactsRoot: '/nonexistent/here/s', now: Date.now, evaluatorName: '"fake"' });
    assert.deepEqual(tested, []);
    const warning = events.find((e) => e.type === 'search.log' && e.level === 'warn');
    assert.match(warning && warning.type === 'search.log' ? warning.message : '', /trial 0 was not measured on the test split: its weights were saved on host gpu-far-away in \/nonexistent\/gpu-far-away\/s\/trial-0/);
  });
});

describe('a connection to the server cut inside a step', () => {
  it('rolls that step back and takes it again: nothing lost, nothing asked twice', async () => {
    const inner = new MemoryStore();
    let calls = 0;
    // Every third transaction does its work, then the connection "drops" before COMMIT.
    const store = new Proxy(inner, {
      get(target, key, receiver) {
        if (key !== 'transact') return Reflect.get(target, key, receiver);
        return (studyId: number, fn: Parameters<MemoryStore['transact']>[1]) => target.transact(studyId, async (tx) => {
          const out = await fn(tx);
          if (++calls % 3 === 0) throw Object.assign(new Error('the connection to postgres://h/db was lost during a transaction'), { code: 'STORE_CONNECTION_LOST' });
          return out;
        });
      },
    });
    const { bus, events } = recordingBus();
    const def = definition({ seed: 3, budget: { maxTrials: 4 } });
    def.training.epochs = 1;
    const strategy = new ScriptedStrategy(counting);
    const out = await runSearch({ store, strategy, space: fakeSpace, evaluator: new FakeEvaluator(), bus, definition: def, studyName: 'cut', checkPids: false });
    assert.equal(out.reason, 'max-trials');
    assert.deepEqual(out.trials.map((t) => [t.number, t.state, t.sample['units']]), [[0, 'completed', 1], [1, 'completed', 2], [2, 'completed', 3], [3, 'completed', 4]]);
    assert.ok(calls >= 3, 'connections were cut');
    assert.ok(events.some((e) => e.type === 'search.log' && /taking the step again/.test(e.message)));
  });
});
