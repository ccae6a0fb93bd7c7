/**
 * Which is faster for small candidates: 1 worker with T threads, or T workers with 1 thread each?
 * The decision behind `--workers auto` (cli/parallelism.ts).
 *
 *   npm run bench -- workers [--repeats 5] [--trials 8] [--subset 2000] [--epochs 1] [--threads 2] [--out FILE]
 *
 * Each repeat runs the same seeded MLP search on the embedded dataset (native backend) twice, as
 * `--workers 1 --threads T` and as `--workers T --threads 1`, alternating which goes first, so
 * every repeat is a paired, same-moment comparison. Trials/hour counts completed trials over the
 * span from the first trial's start to the last one's end (process start-up and dataset loading
 * excluded: they are paid once per search, not per trial). Reported: mean ± std of each layout,
 * the per-repeat ratio, and the load average.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SqliteStore } from '../search/index.js';
import type { Trial } from '../search/index.js';
import { mean, meanStd } from './reproduce/stats.js';

/** Completed trials per hour over the span the trials ran in; NaN without two timestamps. */
export function trialsPerHour(trials: readonly Pick<Trial, 'state' | 'startedAt' | 'finishedAt'>[]): number {
  const done = trials.filter((t) => t.state === 'completed' && t.finishedAt !== undefined);
  if (!done.length) return NaN;
  const start = Math.min(...trials.map((t) => t.startedAt));
  const end = Math.max(...done.map((t) => t.finishedAt!));
  return end > start ? done.length / ((end - start) / 3_600_000) : NaN;
}

export interface Layout { workers: number; threads: number }
export interface WorkersReport {
  layouts: [Layout, Layout];
  /** trials/hour per repeat, per layout. */
  runs: [number[], number[]];
  /** First layout ÷ second, per repeat. */
  ratios: number[];
  loadAverage: number[];
}

/** The summary lines the benchmark prints. */
export function summarize(r: WorkersReport): string {
  const name = (l: Layout) => `${l.workers} worker${l.workers > 1 ? 's' : ''} x ${l.threads} thread${l.threads > 1 ? 's' : ''}`;
  const [a, b] = r.layouts;
  const winner = mean(r.ratios) >= 1 ? a : b;
  return [
    `${name(a).padEnd(22)} ${meanStd(r.runs[0], 0)} trials/h  (${r.runs[0].length} runs)`,
    `${name(b).padEnd(22)} ${meanStd(r.runs[1], 0)} trials/h  (${r.runs[1].length} runs)`,
    `ratio (paired)         ${meanStd(r.ratios, 2)}  → faster: ${name(winner)}`,
    `load average           ${r.loadAverage.map((x) => x.toFixed(2)).join(' ')}`,
  ].join('\n');
}

const BIN = fileURLToPath(new URL('../cli/bin.js', import.meta.url));

function runSearch(dir: string, tag: string, layout: Layout, o: { trials: number; subset: number; epochs: number; seed: number }): void {
  const db = join(dir, `${tag}.db`);
  const args = [BIN, 'search', '--space', 'mlp', '--dataset', 'embedded', '--backend', 'native', '--trials', String(o.trials),
    '--subset', String(o.subset), '--epochs', String(o.epochs), '--seed', String(o.seed), '--study', tag, '--db', db, '--plain',
    '--workers', String(layout.workers), '--threads', String(layout.threads)];
  const run = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env } });
  if (run.status !== 0) throw new Error(`search ${tag} exited ${run.status}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
}

async function measure(dir: string, tag: string, layout: Layout, o: Parameters<typeof runSearch>[3]): Promise<number> {
  runSearch(dir, tag, layout, o);
  const store = await SqliteStore.open(join(dir, `${tag}.db`));
  try {
    const study = (await store.getStudy(tag))!;
    return trialsPerHour(await store.getTrials(study.id));
  } finally {
    await store.close();
  }
}

async function main() {
  const { values: v } = parseArgs({ options: {
    repeats: { type: 'string', default: '5' }, trials: { type: 'string', default: '8' }, subset: { type: 'string', default: '2000' },
    epochs: { type: 'string', default: '1' }, threads: { type: 'string', default: '2' }, seed: { type: 'string', default: '1' }, out: { type: 'string' },
  } });
  const t = Number(v.threads);
  const layouts: [Layout, Layout] = [{ workers: 1, threads: t }, { workers: t, threads: 1 }];
  const o = { trials: Number(v.trials), subset: Number(v.subset), epochs: Number(v.epochs), seed: Number(v.seed) };
  const dir = mkdtempSync(join(tmpdir(), 'sparsenas-bench-workers-'));
  const report: WorkersReport = { layouts, runs: [[], []], ratios: [], loadAverage: loadavg() };
  try {
    for (let r = 0; r < Number(v.repeats); r++) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      const got: number[] = [];
      for (const i of order) {
        got[i] = await measure(dir, `r${r}-l${i}`, layouts[i]!, o);
        process.stdout.write(`repeat ${r + 1}: ${layouts[i]!.workers}w x ${layouts[i]!.threads}t ${got[i]!.toFixed(0)} trials/h\n`);
      }
      report.runs[0].push(got[0]!);
      report.runs[1].push(got[1]!);
      report.ratios.push(got[0]! / got[1]!);
    }
    report.loadAverage = loadavg();
    process.stdout.write(`\n${summarize(report)}\n`);
    if (v.out) writeFileSync(v.out, JSON.stringify({ ...report, options: o, date: new Date().toISOString() }, null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
