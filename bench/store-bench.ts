/**
 * Store cost per trial, and how many concurrent workers one PostgreSQL server holds.
 *
 *   npm run bench -- store [--trials 100] [--rounds 5] [--workers 1,8,32,64] [--skip-concurrency]
 *
 * Part 1, per trial: the writes and reads of the trial protocol for one 5-epoch trial (the ask
 * transaction reading the study's trials and storing the new one with the strategy snapshot,
 * 5 epoch rows, 5 heartbeats, the result, the tell transaction), for every store, in rounds that
 * alternate the stores so each round is a paired, same-moment comparison; ratios are taken per
 * round against the SQLite file. Durable settings on both sides: SQLite `synchronous = FULL`,
 * PostgreSQL with fsync on. PostgreSQL is a throwaway local server (loopback TCP) or
 * SPARSENAS_TEST_PG.
 *
 * Part 2, concurrency: N workers (each its own PostgresStore, i.e. its own pool, as N processes
 * would have) share one study on one server and run the protocol with a 5 × 4 ms fake training;
 * reported: trials per second, the longest ask transaction, connections the server held at
 * the peak, and errors (there must be none).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_DEFINITION, MemoryStore, PostgresStore, SqliteStore } from '../search/index.js';
import type { Metrics, Store } from '../search/index.js';
import { type TestPostgres, startThrowaway } from '../test/postgres-server.js';

const metrics: Metrics = {
  valAccuracy: 0.85, valLoss: 0.4, trainLoss: 0.38, params: 25_450, nonZeros: 2_545, sparsity: 0.9, denseFlops: 50_880,
  sparseFlops: 5_088, trainTimeMs: 1000, epochs: 5, samplesPerSecond: 8000, backend: 'wasm',
  layers: [{ name: 'dense_0', type: 'dense', params: 25_120, nonZeros: 2_512, sparsity: 0.9, denseFlops: 50_240, sparseFlops: 5_024 }],
};

/** One trial of the protocol; `train` is the evaluation between the ask and the result. */
async function trial(store: Store, studyId: number, owner: string, train: (epoch: number) => Promise<void> = async () => {}): Promise<{ askMs: number }> {
  const a0 = performance.now();
  const t = await store.transact(studyId, async (tx) => {
    const trials = await tx.getTrials();
    const inserted = await tx.insertTrial({ sample: { units: trials.length }, architecture: null, seed: trials.length, state: 'running', owner, attempt: 1 });
    await tx.updateStudy({ strategyState: { asked: trials.length + 1 } });
    return inserted;
  });
  const askMs = performance.now() - a0;
  const lease = { trialId: t.id, owner, attempt: 1 };
  for (let e = 0; e < 5; e++) {
    await train(e);
    await store.addEpoch(lease, { epoch: e, trainLoss: 1, valLoss: 1, valAccuracy: 0.5, elapsedMs: 1 });
    await store.heartbeat(lease);
  }
  await store.finishTrial(lease, { state: 'completed', metrics });
  await store.transact(studyId, async (tx) => {
    await tx.markTold([t.id]);
    await tx.updateStudy({ strategyState: { told: t.number } });
  });
  return { askMs };
}

async function perTrialMs(store: Store, trials: number, name: string): Promise<number> {
  const study = await store.createStudy(name, DEFAULT_DEFINITION);
  const t0 = performance.now();
  for (let i = 0; i < trials; i++) await trial(store, study.id, 'bench');
  return (performance.now() - t0) / trials;
}

const stats = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${mean.toFixed(2)} ± ${sd.toFixed(2)}`;
};
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

async function perTrial(pg: TestPostgres, trials: number, rounds: number, dir: string): Promise<void> {
  const names = ['SqliteStore file', 'PostgresStore', 'MemoryStore'] as const;
  const ms: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const url = await pg.createDatabase('bench');
  console.log(`per trial: ${trials} trials × ${rounds} rounds (13 writes, 1 read of the study's trials per trial); load average ${load()}`);
  for (let r = 0; r < rounds; r++) {
    // Alternate the order, so neither store always runs first in a round.
    const order = r % 2 ? [...names].reverse() : names;
    for (const name of order) {
      const store = name === 'MemoryStore' ? new MemoryStore() : name === 'PostgresStore' ? await PostgresStore.open(url) : await SqliteStore.open(join(dir, `r${r}.db`));
      try {
        ms[name]!.push(await perTrialMs(store, trials, `round-${r}`));
      } finally {
        await store.close();
      }
    }
  }
  const ratio = (name: string) => stats(ms[name]!.map((x, i) => x / ms['SqliteStore file']![i]!));
  console.log(`  ${'store'.padEnd(18)} ${'ms per trial'.padEnd(16)} ratio to SQLite file (paired per round)`);
  for (const name of names) console.log(`  ${name.padEnd(18)} ${stats(ms[name]!).padEnd(16)} ${ratio(name)}`);
  console.log(`  (per round, SQLite: ${ms['SqliteStore file']!.map((x) => x.toFixed(2)).join(' ')}; PostgreSQL: ${ms['PostgresStore']!.map((x) => x.toFixed(2)).join(' ')}); load average after ${load()}`);
}

async function concurrency(pg: TestPostgres, counts: number[]): Promise<void> {
  console.log(`\nconcurrent workers on one PostgreSQL server (each its own pool; fake training 5 × 4 ms; 6 trials per worker); load average ${load()}`);
  console.log(`  ${'workers'.padEnd(8)} ${'trials/s'.padEnd(9)} ${'ask tx max ms'.padEnd(14)} ${'peak connections'.padEnd(17)} errors`);
  for (const n of counts) {
    const url = await pg.createDatabase(`c${n}`);
    const stores = await Promise.all(Array.from({ length: n }, () => PostgresStore.open(url, { applicationName: 'sparsenas-bench' })));
    const study = await stores[0]!.createStudy('shared', DEFAULT_DEFINITION);
    let peak = 0;
    let errors = 0;
    let askMax = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [{ n: c }] = await pg.admin<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sparsenas-bench'`) as [{ n: number }];
        peak = Math.max(peak, c);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const t0 = performance.now();
    await Promise.all(stores.map(async (store, w) => {
      for (let i = 0; i < 6; i++) {
        try {
          const { askMs } = await trial(store, study.id, `w${w}`, () => new Promise((r) => setTimeout(r, 4)));
          askMax = Math.max(askMax, askMs);
        } catch (err) {
          errors++;
          if (errors <= 3) console.log(`  worker ${w}: ${(err as Error).message}`);
        }
      }
    }));
    const s = (performance.now() - t0) / 1000;
    sampling = false;
    await sampler;
    const trials = (await stores[0]!.getTrials(study.id)).length;
    await Promise.all(stores.map((st) => st.close()));
    console.log(`  ${String(n).padEnd(8)} ${(trials / s).toFixed(1).padEnd(9)} ${askMax.toFixed(0).padEnd(14)} ${String(peak).padEnd(17)} ${errors}${trials !== n * 6 - errors ? ` (trials stored: ${trials})` : ''}`);
  }
}

const { values } = parseArgs({ options: { trials: { type: 'string' }, rounds: { type: 'string' }, workers: { type: 'string' }, 'skip-concurrency': { type: 'boolean' } } });
const trials = Number(values.trials ?? 100);
const rounds = Number(values.rounds ?? 5);
const counts = (values.workers ?? '1,8,32,64').split(',').map(Number);
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-bench-'));
const pg = process.env['SPARSENAS_TEST_PG']
  ? (await import('../test/postgres-server.js')).testPostgres().then((r) => { if (!r.pg) throw new Error(r.skip); return r.pg; })
  : startThrowaway({ durable: true, maxConnections: 400 });
const server = await pg;
try {
  console.log(`PostgreSQL: ${server.throwaway ? 'throwaway local server, fsync on, loopback TCP' : 'SPARSENAS_TEST_PG'}; SQLite: WAL, synchronous FULL, in ${tmpdir()}`);
  await perTrial(server, trials, rounds, dir);
  if (!values['skip-concurrency']) await concurrency(server, counts);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
