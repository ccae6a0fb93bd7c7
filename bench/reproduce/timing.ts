// The timing line of every reproduction section: wall time, trials and machine load while the
// trials ran. Wall time and trial counts come from the stored trials (so a re-render with
// --report-only gives the same line); the load comes from `<db>.load.log`, one line
// `<unix seconds> <load1> <load5> <load15>` every 30 s, appended by the harness while it runs
// trials (any process sampling /proc/loadavg in the same format may append to it).
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { StudyData } from './types.js';

export const LOAD_SAMPLE_MS = 30_000;

export function loadLogPath(db: string): string {
  return `${db}.load.log`;
}

/** Samples the load average into `<db>.load.log` every 30 s until the returned stop function is called. */
export function startLoadLog(db: string): () => void {
  if (db === ':memory:') return () => {};
  const path = loadLogPath(db);
  const sample = () => {
    try {
      appendFileSync(path, `${Math.floor(Date.now() / 1000)} ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
    } catch { /* an unwritable log costs the load figure only */ }
  };
  sample();
  const timer = setInterval(sample, LOAD_SAMPLE_MS);
  timer.unref();
  return () => { clearInterval(timer); sample(); };
}

export interface LoadSample { t: number; load1: number }

export function readLoadLog(db: string): LoadSample[] {
  const path = loadLogPath(db);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').map((l) => l.trim().split(/\s+/).map(Number))
    .filter((x) => x.length >= 2 && Number.isFinite(x[0]) && Number.isFinite(x[1]))
    .map((x) => ({ t: x[0]! * 1000, load1: x[1]! }));
}

/**
 * "Timing: wall W min from the first trial's start to the last trial's end, N trials (by state)
 * over R replicate studies, X min of trial time; load average (1 min) over that span mean a
 * (min b, max c; k samples) on n CPUs" for one study seed's studies.
 */
export function timingLine(data: readonly StudyData[], samples: readonly LoadSample[], seed: number, cpuCount = cpus().length): string {
  const trials = data.flatMap((d) => d.trials);
  const started = trials.map((t) => t.startedAt).filter(Number.isFinite);
  const finished = trials.filter((t) => t.finishedAt !== undefined);
  if (!started.length || !finished.length) return `- Timing (study seed ${seed}): no finished trial.`;
  const t0 = Math.min(...started), t1 = Math.max(...finished.map((t) => t.finishedAt!));
  const states = new Map<string, number>();
  for (const t of trials) states.set(t.state, (states.get(t.state) ?? 0) + 1);
  const trialMs = finished.reduce((a, t) => a + (t.finishedAt! - t.startedAt), 0);
  const studies = data.reduce((a, d) => a + (d.replicates?.length ?? 1), 0);
  const inSpan = samples.filter((s) => s.t >= t0 - LOAD_SAMPLE_MS && s.t <= t1 + LOAD_SAMPLE_MS).map((s) => s.load1);
  const load = inSpan.length
    ? `load average (1 min) over that span mean ${(inSpan.reduce((a, x) => a + x, 0) / inSpan.length).toFixed(1)} (min ${Math.min(...inSpan).toFixed(1)}, max ${Math.max(...inSpan).toFixed(1)}; ${inSpan.length} samples) on ${cpuCount} CPUs`
    : 'load average not recorded for that span';
  const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  return `- Timing (study seed ${seed}): wall ${((t1 - t0) / 60000).toFixed(1)} min (${when(t0)}–${when(t1)} UTC, first trial start to last trial end), ` +
    `${[...states].map(([s, n]) => `${n} ${s}`).join(', ')} trials in ${studies} studies, ${(trialMs / 60000).toFixed(1)} min of trial time; ${load}.`;
}
