import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import sqlite3 from 'sqlite3';
import { SqliteStore } from '../../search/index.js';
import { STUDY, assertInvariants, startWorker } from './protocol-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'sparsenas-races-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `race-${files++}.db`);

async function read(file: string) {
  const store = await SqliteStore.open(file);
  try {
    const study = (await store.getStudy(STUDY))!;
    const trials = await store.getTrials(study.id);
    return { study, trials, workers: await store.getWorkers(study.id), epochs: await Promise.all(trials.map((t) => store.getEpochs(t.id))) };
  } finally {
    await store.close();
  }
}

/**
 * SIGSTOPs the process at a moment it holds no write lock. (A process paused inside one of its
 * few-millisecond transactions holds SQLite's one lock, and every other writer waits until it
 * continues: SQLite cannot take a lock from a live process. The protocol stays correct, but
 * nobody can redo its trial meanwhile; PostgreSQL has idle_in_transaction_session_timeout.)
 */
async function pauseOutsideTransactions(child: ChildProcess, file: string): Promise<void> {
  const probe = await new Promise<sqlite3.Database>((resolve, reject) => { const db = new sqlite3.Database(file, (e) => (e ? reject(e) : resolve(db))); });
  const exec = (sql: string) => new Promise<void>((resolve, reject) => probe.exec(sql, (e) => (e ? reject(e) : resolve())));
  probe.configure('busyTimeout', 200);
  try {
    for (;;) {
      child.kill('SIGSTOP');
      try {
        await exec('BEGIN IMMEDIATE');
        await exec('ROLLBACK');
        return;
      } catch {
        child.kill('SIGCONT');
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  } finally {
    probe.close();
  }
}

describe('races and zombies on one study', { timeout: 180_000 }, () => {
  it('a paused worker whose trial was redone writes nothing when it wakes up, and stops', async () => {
    const file = freshFile();
    const slow = { maxTrials: 2, epochs: 6, epochMs: 80, staleAfterMs: 600, heartbeatMs: 50 };
    const zombie = startWorker({ file, mode: 'create', ...slow });
    await zombie.when((l) => l.event === 'epoch' && l.trial === 0 && l.epoch === 1);
    await pauseOutsideTransactions(zombie.child, file);
    // Its pid is alive: only its stale heartbeat can give its trial away. Join once it is stale,
    // so the joining worker's first step reaps it and the redo is trial 1 (a worker that joins
    // sooner starts a new trial 1 and redoes trial 0 later, as trial 2).
    await new Promise((r) => setTimeout(r, slow.staleAfterMs + 200));
    const other = startWorker({ file, mode: 'join', ...slow });
    try {
      await other.when((l) => l.event === 'finished' && l.trial === 1);
      const before = await read(file);
      const [paused, redo] = before.trials;
      assert.equal(paused!.state, 'interrupted');
      assert.match(paused!.error!, /was presumed dead: no heartbeat for/);
      const zombieRow = before.workers.find((w) => w.pid === zombie.child.pid)!;
      assert.deepEqual([redo!.attributes?.['redoOf'], redo!.state], [0, 'completed']);
      assert.notEqual(redo!.owner, zombieRow.id);
      assert.equal(typeof zombieRow.endedAt, 'number', 'the paused worker was presumed dead');
      zombie.child.kill('SIGCONT');
      const woke = await zombie.exited;
      assert.equal(woke.code, 1);
      assert.match(zombie.stderr(), /WORKER_PRESUMED_DEAD/);
      assert.equal((await other.exited).code, 0, other.stderr());
      const afterwards = await read(file);
      // Its heartbeats updated no row and its epochs and result were refused.
      assert.deepEqual(afterwards.trials[0], paused, 'trial 0 is exactly as the other worker left it');
      assert.deepEqual(afterwards.epochs[0], before.epochs[0], 'no epoch of the paused worker landed after it was presumed dead');
      assert.equal(afterwards.workers.find((w) => w.id === zombieRow.id)!.heartbeatAt, zombieRow.heartbeatAt);
      assert.ok(afterwards.trials.every((t) => t.owner !== zombieRow.id || t.number === 0), 'and it started nothing after waking');
      await assertInvariants(file, { maxTrials: 2, stderr: [other.stderr()] });
    } finally {
      zombie.child.kill('SIGKILL');
      other.child.kill('SIGKILL');
    }
  });

  for (const [k, checkPids] of [[2, false], [8, false], [5, true]] as const) {
    it(`${k} workers started at once on a study with one stale trial redo it exactly once (${checkPids ? 'pid' : 'heartbeat'} liveness)`, async () => {
      const file = freshFile();
      const killed = startWorker({ file, mode: 'create', maxTrials: 3, killAt: 'epoch-stored@2', staleAfterMs: 500 });
      assert.equal((await killed.exited).signal, 'SIGKILL');
      // A stale timeout well above what a loaded machine may starve 8 processes of.
      const workers = Array.from({ length: k }, () => startWorker({ file, mode: 'join', maxTrials: 3, staleAfterMs: 2000, heartbeatMs: 100, checkPids }));
      const exits = await Promise.all(workers.map((w) => w.exited));
      // One that starts (on a loaded machine) after the others finished finds nothing to join;
      // one starved of CPU past the stale timeout is presumed dead and stops (its trial is redone).
      exits.forEach((e, i) => assert.ok(e.code === 0 || /STUDY_NOT_RUNNING|WORKER_PRESUMED_DEAD/.test(workers[i]!.stderr()), workers[i]!.stderr()));
      const trials = await assertInvariants(file, { maxTrials: 3, stderr: workers.map((w) => w.stderr()) });
      assert.equal(trials.filter((t) => t.attributes?.['redoOf'] === 0).length, 1, 'exactly one redo');
      assert.equal(trials[0]!.state, 'interrupted');
    });
  }
});
