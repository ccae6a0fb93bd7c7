/**
 * Peak memory of loading CIFAR-10 from its binary batches.
 *
 *   npx tsc -p . && node dist/bench/data-memory.js
 *
 * Writes CIFAR-10-sized files (5 × 10,000 training records + 10,000 test, 184 MB) to a temp
 * dir, then loads them by name (`cifar10`, `--data-dir` = that dir) in a fresh child process
 * and reports its peak RSS against the two unavoidable terms: the file buffers and one
 * float32 copy of every sample (737 MB). The loader decodes each record straight into its
 * split's Float32Array, so the overhead beyond those two should be a few MB, not a second
 * float copy (~614 MB for the training files).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDataset } from '../evaluators/data/index.js';

const RECORD = 3073;
const MB = 1024 * 1024;

function writeBatches(dir: string): number {
  const batch = new Uint8Array(10000 * RECORD);
  let bytes = 0;
  for (const name of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) {
    for (let i = 0; i < 10000; i++) {
      batch[i * RECORD] = (i * 7 + name.length) % 10;
      for (let k = 1; k < RECORD; k++) batch[i * RECORD + k] = (i + k * 13) & 0xff;
    }
    writeFileSync(join(dir, name), batch);
    bytes += batch.length;
  }
  return bytes;
}

async function measure(dataDir: string, subset?: number): Promise<void> {
  const baseline = process.resourceUsage().maxRSS * 1024;
  const started = Date.now();
  const d = await loadDataset({ name: 'cifar10', dataDir, validationFraction: 0.1, ...(subset ? { subset } : {}) }, 1, {
    env: {},
    systemDir: join(dataDir, 'none'),
    cacheDir: join(dataDir, 'none'),
    download: false,
  });
  const ms = Date.now() - started;
  const peak = process.resourceUsage().maxRSS * 1024;
  const floats = (d.train.x.byteLength + d.validation.x.byteLength + d.test.x.byteLength) as number;
  process.stdout.write(JSON.stringify({ baseline, peak, floats, ms, counts: [d.train.count, d.validation.count, d.test.count] }));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--measure') return measure(process.argv[3]!, process.argv[4] ? Number(process.argv[4]) : undefined);
  const root = mkdtempSync(join(tmpdir(), 'sparsenas-cifar-bench-'));
  try {
    const dir = join(root, 'cifar10');
    mkdirSync(dir);
    const fileBytes = writeBatches(dir);
    const self = fileURLToPath(import.meta.url);
    for (const subset of [undefined, 5000]) {
      const r = JSON.parse(execFileSync(process.execPath, [self, '--measure', root, ...(subset ? [String(subset)] : [])], { encoding: 'utf8' })) as {
        baseline: number;
        peak: number;
        floats: number;
        ms: number;
        counts: number[];
      };
      const overhead = r.peak - r.baseline - fileBytes - r.floats;
      console.log(
        `cifar10${subset ? ` subset ${subset}` : ''}: train/val/test ${r.counts.join('/')}, ${r.ms} ms; ` +
          `peak RSS ${(r.peak / MB).toFixed(0)} MB = baseline ${(r.baseline / MB).toFixed(0)} MB + file buffers ${(fileBytes / MB).toFixed(0)} MB ` +
          `+ float32 samples ${(r.floats / MB).toFixed(0)} MB + other ${(overhead / MB).toFixed(0)} MB`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
