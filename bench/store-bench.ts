/**
 * Store write cost per trial: create, 5 epochs, 5 heartbeats, finish (what the runner writes
 * for a 5-epoch trial). `node dist/bench/store-bench.js [trials]`. Not part of the test run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_DEFINITION, MemoryStore, SqliteStore } from '../search/index.js';
import type { Metrics, Store } from '../search/index.js';

const metrics: Metrics = {
  valAccuracy: 0.85, valLoss: 0.4, trainLoss: 0.38, params: 25_450, nonZeros: 2_545, sparsity: 0.9, denseFlops: 50_880,
  sparseFlops: 5_088, trainTimeMs: 1000, epochs: 5, samplesPerSecond: 8000, backend: 'wasm',
  layers: [{ name: 'dense_0', type: 'dense', params: 25_120, nonZeros: 2_512, sparsity: 0.9, denseFlops: 50_240, sparseFlops: 5_024 }],
};

async function run(name: string, store: Store, trials: number): Promise<void> {
  const study = await store.createStudy('bench', DEFAULT_DEFINITION);
  const t0 = performance.now();
  for (let i = 0; i < trials; i++) {
    const t = await store.transact(study.id, (tx) => tx.insertTrial({ sample: { units: i }, architecture: null, seed: i, state: 'running', owner: 'bench', attempt: 1 }));
    const lease = { trialId: t.id, owner: 'bench', attempt: 1 };
    for (let e = 0; e < 5; e++) {
      await store.addEpoch(lease, { epoch: e, trainLoss: 1, valLoss: 1, valAccuracy: 0.5, elapsedMs: 1 });
      await store.heartbeat(lease);
    }
    await store.finishTrial(lease, { state: 'completed', metrics });
  }
  const ms = performance.now() - t0;
  const r0 = performance.now();
  const all = await store.getTrials(study.id);
  const readMs = performance.now() - r0;
  await store.close();
  console.log(`${name.padEnd(18)} ${(ms / trials).toFixed(2)} ms per trial (12 writes), getTrials of ${all.length}: ${readMs.toFixed(1)} ms`);
}

const trials = Number(process.argv[2] ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-bench-'));
try {
  await run('MemoryStore', new MemoryStore(), trials);
  await run('SqliteStore file', await SqliteStore.open(join(dir, 'bench.db')), trials);
  await run('SqliteStore memory', await SqliteStore.open(':memory:'), trials);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
