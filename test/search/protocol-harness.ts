import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { PostgresStore, SqliteStore, deriveSeed } from '../../search/index.js';
import type { Store, Trial } from '../../search/index.js';
import { definition } from './fixtures.js';

/** How one worker process of the protocol tests runs (see `workerSource`). */
export interface WorkerConfig {
  /** The SQLite file the workers share, or a postgres:// URL (the same tests on PostgreSQL). */
  file: string;
  study?: string;
  mode: 'create' | 'resume' | 'join';
  maxTrials: number;
  seed?: number;
  epochs?: number;
  epochMs?: number;
  staleAfterMs?: number;
  heartbeatMs?: number;
  pollMs?: number;
  checkPids?: boolean;
  testTopK?: number;
  force?: boolean;
  /** SPARSENAS_KILL_AT for this process. */
  killAt?: string;
}

export const STUDY = 'protocol';
export const SEED = 23;

const from = (path: string) => JSON.stringify(new URL(path, import.meta.url).href);

/**
 * Source of a worker process: runSearch with a RecordingStrategy and a fake evaluator whose
 * epochs take `epochMs`, on the SQLite file. Inline, because every .js under test/ is a test
 * file. It prints one JSON line per event the tests wait for.
 */
function workerSource(): string {
  return `
    import { runSearch } from ${from('../../search/runner.js')};
    import { SqliteStore } from ${from('../../search/sqlite-store.js')};
    import { PostgresStore } from ${from('../../search/postgres-store.js')};
    import { FakeEvaluator, RecordingStrategy, fakeSpace, slowTraining } from ${from('./protocol-fakes.js')};
    const c = JSON.parse(process.env.PROTOCOL_WORKER);
    const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
    // The runner only publishes: a plain object stands in for the EventBus (no rxjs to load).
    const bus = { publish(e) {
      if (e.type === 'search.started') say({ event: 'ready' });
      if (e.type === 'trial.started') say({ event: 'started', trial: e.trial.number });
      if (e.type === 'trial.epochEnded') say({ event: 'epoch', trial: e.trialNumber, epoch: e.metrics.epoch });
      if (e.type === 'trial.finished') say({ event: 'finished', trial: e.trial.number, state: e.trial.state });
      if (e.type === 'search.log' && e.level !== 'info') process.stderr.write(e.level + ': ' + e.message + '\\n');
    } };
    class TestingFake extends FakeEvaluator {
      async evaluateTest(req) { return { testAccuracy: 0.5 + req.trialNumber / 1000, testLoss: 0.5 }; }
    }
    const store = c.file.startsWith('postgres') ? await PostgresStore.open(c.file) : await SqliteStore.open(c.file);
    try {
      const out = await runSearch({
        store, strategy: new RecordingStrategy(), space: fakeSpace, bus, definition: c.definition, studyName: c.study,
        evaluator: new TestingFake(() => slowTraining(c.epochMs ?? 20)), resume: c.mode === 'resume', join: c.mode === 'join', force: c.force,
        staleAfterMs: c.staleAfterMs ?? 400, heartbeatMs: c.heartbeatMs ?? 50, pollMs: c.pollMs ?? 25, checkPids: c.checkPids ?? true,
        strategyTimeoutMs: 150, artifactsRoot: c.definition.testTopK ? '/nonexistent/artifacts' : undefined,
      });
      say({ event: 'done', reason: out.reason });
    } catch (err) {
      process.stderr.write('sparsenas: ' + (err.code ?? '') + ' ' + err.message + '\\n');
      process.exitCode = 1;
    } finally {
      await store.close();
    }`;
}

export interface Worker {
  child: ChildProcess;
  /** Every JSON line it printed so far. */
  lines: { event: string; trial?: number; epoch?: number; state?: string; reason?: string }[];
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves at the first line matching `test` (rejects if the process exits first). */
  when(test: (line: Worker['lines'][number]) => boolean): Promise<void>;
}

export function startWorker(config: WorkerConfig): Worker {
  const def = definition({ seed: config.seed ?? SEED, budget: { maxTrials: config.maxTrials }, testTopK: config.testTopK ?? 0 });
  def.training.epochs = config.epochs ?? 3;
  const env = { ...process.env, PROTOCOL_WORKER: JSON.stringify({ ...config, study: config.study ?? STUDY, definition: def }), SPARSENAS_KILL_AT: config.killAt ?? '' };
  const child = spawn(process.execPath, ['--input-type=module', '-e', workerSource()], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const lines: Worker['lines'] = [];
  let err = '';
  let partial = '';
  const waiters: { test: (l: Worker['lines'][number]) => boolean; resolve: () => void }[] = [];
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    for (const p of parts) {
      if (!p.trim()) continue;
      const line = JSON.parse(p) as Worker['lines'][number];
      lines.push(line);
      for (const w of waiters.filter((x) => x.test(line))) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => { err += chunk; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child, lines, stderr: () => err, exited,
    when: (test) => {
      if (lines.some(test)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiters.push({ test, resolve });
        void exited.then(({ code, signal }) => reject(new Error(`the worker exited (${signal ?? code}) before the line the test waited for; stderr: ${err}`)));
      });
    },
  };
}

/** Runs a worker to its end and returns it (for the second half of kill tests). */
export async function runToEnd(config: WorkerConfig): Promise<Worker> {
  const w = startWorker(config);
  const { code, signal } = await w.exited;
  assert.equal(signal, null, `the worker was killed: ${w.stderr()}`);
  assert.equal(code, 0, `the worker failed: ${w.stderr()}`);
  return w;
}

export interface InvariantExpectations {
  maxTrials: number;
  seed?: number;
  /** How many trials the test phase measured (testTopK of the study). */
  tested?: number;
  /** stderr of every process that took part. */
  stderr?: string[];
}

/** The store of a `WorkerConfig.file`: SQLite, or PostgreSQL for a postgres:// URL. */
export function openProtocolStore(file: string): Promise<Store> {
  return file.startsWith('postgres') ? PostgresStore.open(file) : SqliteStore.open(file);
}

/** The after-run invariants of issue 13; returns the study's trials for further checks. */
export async function assertInvariants(file: string, x: InvariantExpectations): Promise<Trial[]> {
  const store = await openProtocolStore(file);
  try {
    const study = (await store.getStudy(STUDY))!;
    const trials = await store.getTrials(study.id);
    // Trial numbers are dense and unique.
    assert.deepEqual(trials.map((t) => t.number), trials.map((_, i) => i), 'trial numbers are dense and unique');
    // Nothing is left running or waiting, and the study is over.
    assert.deepEqual(trials.filter((t) => t.state === 'running' || t.state === 'waiting').map((t) => [t.number, t.state]), [], 'nothing left running or waiting');
    assert.equal(study.state, 'finished');
    assert.equal(study.tester, undefined);
    // Redo chains: each candidate (an attempt-1 trial) has exactly one completed, pruned or failed
    // trial along its chain, every earlier attempt is interrupted, and no two attempts overlap.
    const redoOf = (t: Trial) => t.attributes?.['redoOf'] as number | undefined;
    const redos = new Map<number, Trial[]>();
    for (const t of trials) if (redoOf(t) !== undefined) redos.set(redoOf(t)!, [...(redos.get(redoOf(t)!) ?? []), t]);
    const roots = trials.filter((t) => (t.attempt ?? 1) === 1);
    for (const root of roots) {
      assert.equal(redoOf(root), undefined);
      const chain = [root];
      for (;;) {
        const next = redos.get(chain.at(-1)!.number) ?? [];
        assert.ok(next.length <= 1, `trial ${chain.at(-1)!.number} was redone ${next.length} times`);
        if (!next.length) break;
        chain.push(next[0]!);
      }
      const ends = chain.map((t) => t.state);
      assert.deepEqual(ends.slice(0, -1).filter((s) => s !== 'interrupted'), [], `chain ${chain.map((t) => t.number)}: ${ends}`);
      assert.ok(['completed', 'pruned', 'failed'].includes(ends.at(-1)!), `chain ${chain.map((t) => t.number)} ends ${ends.at(-1)}`);
      chain.forEach((t, i) => {
        assert.equal(t.attempt ?? 1, i + 1);
        assert.deepEqual([t.sample, t.seed], [root.sample, root.seed], `trial ${t.number} redoes ${root.number} with its candidate and seed`);
        if (i > 0) assert.ok(chain[i - 1]!.finishedAt! <= t.startedAt, `attempts ${chain[i - 1]!.number} and ${t.number} overlap in time`);
      });
    }
    assert.equal(trials.length, [...redos.values()].reduce((n, r) => n + r.length, roots.length), 'every redo belongs to a chain');
    // No candidate twice, none skipped: the strategy's cursor moved with each committed insert.
    const units = roots.map((t) => t.sample['units']);
    assert.deepEqual(units, roots.map((_, i) => i + 1), 'candidates 1..n, each once, in order');
    // Seeds follow the candidate's position, never the redo count.
    assert.deepEqual(roots.map((t) => t.seed), roots.map((_, i) => deriveSeed(x.seed ?? SEED, 'trial', i)), 'seeds by position');
    // Counted trials equal the budget.
    assert.equal(trials.filter((t) => ['completed', 'pruned', 'failed'].includes(t.state)).length, x.maxTrials, 'counted trials equal the budget');
    // Each finished trial was told exactly once (in the snapshot's transaction).
    const told = (study.strategyState as { told: number[] }).told;
    assert.deepEqual([...told].sort((a, b) => a - b), trials.map((t) => t.number), 'each finished trial told exactly once');
    assert.ok(trials.every((t) => t.toldAt !== undefined));
    assert.equal((study.strategyState as { cursor: number }).cursor, roots.length);
    if (x.tested !== undefined) assert.equal(Object.keys(study.testResults ?? {}).length, x.tested, 'the test phase ran once, for the top trials');
    for (const text of x.stderr ?? []) {
      assert.doesNotMatch(text, /SQLITE_BUSY|SQLITE_LOCKED|STORE_LOCKED/, 'no busy database reached the user');
      assert.doesNotMatch(text, /unexpected error|TRIAL_FINISHED/);
    }
    return trials;
  } finally {
    await store.close();
  }
}
