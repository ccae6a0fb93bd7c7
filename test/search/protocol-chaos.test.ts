import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../../search/index.js';
import { STUDY, type Worker, type WorkerConfig, assertInvariants, openProtocolStore, startWorker } from './protocol-harness.js';
import { testPostgres } from '../postgres-server.js';

const server = await testPostgres();
after(() => server.pg?.stop());

const dir = mkdtempSync(join(tmpdir(), 'sparsenas-chaos-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Chaos: WORKERS processes share one SQLite file while a killer SIGKILLs a random one every
 * 0.3–1.5 s and starts a fresh one in its place, until the study is finished. Short heartbeat
 * (50 ms) and stale timeout (1 s), a fake evaluator. Half the runs presume a killed worker
 * dead only by its stale heartbeat (checkPids off), half also by its pid.
 * SPARSENAS_CHAOS_RUNS=N runs N seeds (default 2, to keep `npm test` short).
 */
const RUNS = Number(process.env['SPARSENAS_CHAOS_RUNS'] ?? 2);
const MAX_TRIALS = 8;
const DEADLINE_MS = 120_000;

interface Figures { kills: number; trials: number; lost: number; duplicated: number; processes: number; ms: number; presumed: number }

async function chaosRun(seed: number, file: string): Promise<Figures> {
  const started = Date.now();
  const rng = createRng(seed);
  const workers = 3 + (seed % 2);
  const config = (mode: WorkerConfig['mode']): WorkerConfig => ({
    file, mode, maxTrials: MAX_TRIALS, testTopK: 2, epochs: 3, epochMs: 10 + rng.int(0, 30),
    staleAfterMs: 1000, heartbeatMs: 50, pollMs: 25, checkPids: seed % 4 < 2,
  });
  const all: Worker[] = [];
  const start = (mode: WorkerConfig['mode']) => { const w = startWorker(config(mode)); all.push(w); return w; };
  const creator = start('create');
  await creator.when((l) => l.event === 'ready');
  const slots = [creator, ...Array.from({ length: workers - 1 }, () => start('join'))];
  const killed = new Set<Worker>();
  const store = await openProtocolStore(file);
  const finished = async () => (await store.getStudy(STUDY))!.state === 'finished';
  try {
    while (!(await finished())) {
      assert.ok(Date.now() - started < DEADLINE_MS, `seed ${seed}: the study did not finish within ${DEADLINE_MS / 1000} s`);
      await new Promise((r) => setTimeout(r, 300 + rng.next() * 1200));
      if (await finished()) break;
      const i = rng.int(0, slots.length - 1);
      const victim = slots[i]!;
      if (victim.child.exitCode === null && victim.child.signalCode === null) {
        victim.child.kill('SIGKILL');
        killed.add(victim);
      }
      slots[i] = start('join');
    }
  } finally {
    await store.close();
  }
  const exits = await Promise.all(all.map(async (w) => ({ w, ...(await w.exited) })));
  let presumed = 0;
  for (const { w, code, signal } of exits) {
    if (killed.has(w)) continue;
    // A worker started just as the study finished finds nothing to join; one starved of CPU past
    // the stale timeout (a loaded machine) is presumed dead, and stops when it notices; every
    // other one ends cleanly.
    if (code === 1 && /WORKER_PRESUMED_DEAD/.test(w.stderr())) presumed++;
    else assert.ok(code === 0 || (code === 1 && /STUDY_NOT_RUNNING/.test(w.stderr())), `seed ${seed}: a worker ended with ${signal ?? code}: ${w.stderr()}`);
  }
  const trials = await assertInvariants(file, { maxTrials: MAX_TRIALS, tested: 2, stderr: all.map((w) => w.stderr()) });
  // The invariants hold, so nothing was lost or duplicated; counted here from the rows, for the figures.
  const counted = trials.filter((t) => ['completed', 'pruned', 'failed'].includes(t.state));
  const perCandidate = new Map<string, number>();
  for (const t of counted) perCandidate.set(JSON.stringify(t.sample), (perCandidate.get(JSON.stringify(t.sample)) ?? 0) + 1);
  const roots = trials.filter((t) => (t.attempt ?? 1) === 1);
  return {
    kills: killed.size, trials: trials.length, processes: all.length, ms: Date.now() - started, presumed,
    lost: roots.filter((r) => !perCandidate.has(JSON.stringify(r.sample))).length,
    duplicated: [...perCandidate.values()].filter((n) => n > 1).length,
  };
}

/** The chaos runs on one store kind; `db(seed)` gives each run a fresh database. */
function describeChaos(what: string, db: (seed: number) => Promise<string>, skip?: string): void {
  describe(`chaos: workers on ${what}, killed at random`, { skip }, () => {
    it(`${RUNS} runs: every invariant holds after each`, { timeout: RUNS * DEADLINE_MS }, async (t) => {
      const total = { runs: 0, kills: 0, trials: 0, lost: 0, duplicated: 0, processes: 0 };
      for (let seed = 1; seed <= RUNS; seed++) {
        const f = await chaosRun(seed, await db(seed));
        t.diagnostic(`seed ${seed}: ${f.kills} kills, ${f.processes} processes, ${f.trials} trials, ${f.lost} lost, ${f.duplicated} duplicated, ${f.presumed} live workers presumed dead, ${(f.ms / 1000).toFixed(1)} s`);
        total.runs++;
        total.kills += f.kills;
        total.trials += f.trials;
        total.lost += f.lost;
        total.duplicated += f.duplicated;
        total.processes += f.processes;
      }
      t.diagnostic(`chaos total (${what}): ${total.runs} runs, ${total.kills} kills, ${total.processes} processes, ${total.trials} trials, ${total.lost} lost, ${total.duplicated} duplicated`);
      assert.equal(total.lost + total.duplicated, 0);
    });
  });
}

describeChaos('one SQLite file', async (seed) => join(dir, `chaos-${seed}.db`));
describeChaos('one PostgreSQL database', () => server.pg!.createDatabase('chaos'), server.skip && `no PostgreSQL: ${server.skip}`);
