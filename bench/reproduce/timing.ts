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

/**
 * The machine an invocation ran its trials on (the harness's `host()` line), appended to
 * `<db>.hosts.log` as `<unix seconds>\t<host>` when it starts running trials, so a section
 * rendered later (`--report-only`, perhaps elsewhere or with other settings) names the machine
 * and kernel threads of the run, not of the render.
 */
export function hostLogPath(db: string): string {
  return `${db}.hosts.log`;
}

export function recordHost(db: string, host: string): void {
  if (db === ':memory:') return;
  try {
    appendFileSync(hostLogPath(db), `${Math.floor(Date.now() / 1000)}\t${host.replace(/[\t\n]/g, ' ')}\n`);
  } catch { /* an unwritable log costs the machine line only */ }
}

/**
 * The distinct machines of the invocations that ran trials in [from, to] (ms): each one's line is
 * written just before its first trial, so a line from up to an hour before `from` counts too.
 */
export function hostsDuring(db: string, from: number, to: number): string[] {
  const path = hostLogPath(db);
  if (!existsSync(path) || !(from <= to)) return [];
  const hosts = readFileSync(path, 'utf8').split('\n').map((l) => l.split('\t'))
    .filter((x) => x.length >= 2 && Number.isFinite(Number(x[0])))
    .filter(([t]) => Number(t) * 1000 >= from - 3_600_000 && Number(t) * 1000 <= to)
    .map((x) => x.slice(1).join(' '));
  return [...new Set(hosts)];
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
 * "Timing: wall W min (the replicate studies' spans, first trial start to last trial end, summed:
 * gaps between invocations are not counted), N trials (by state) in S studies, X min of trial time;
 * load average (1 min) during those spans mean a (min b, max c; k samples) on n CPUs" for one study
 * seed's studies. Studies of one invocation run one after another, so the sum is its running time.
 */
export function timingLine(data: readonly StudyData[], samples: readonly LoadSample[], seed: number, cpuCount = cpus().length): string {
  const trials = data.flatMap((d) => d.trials);
  const finished = trials.filter((t) => t.finishedAt !== undefined && Number.isFinite(t.startedAt));
  if (!finished.length) return `- Timing (study seed ${seed}): no finished trial.`;
  // One span per replicate study: its trials carry the replicate index (collectPlan relabels them).
  const spans: [number, number][] = [];
  for (const [i, d] of data.entries()) {
    const by = new Map<string, [number, number]>();
    for (const t of d.trials) {
      if (t.finishedAt === undefined || !Number.isFinite(t.startedAt)) continue;
      const key = `${i}:${String(t.attributes?.['replicate'] ?? 0)}`;
      const s = by.get(key);
      by.set(key, s ? [Math.min(s[0], t.startedAt), Math.max(s[1], t.finishedAt)] : [t.startedAt, t.finishedAt]);
    }
    spans.push(...by.values());
  }
  const wallMs = spans.reduce((a, [x, y]) => a + (y - x), 0);
  const t0 = Math.min(...spans.map((x) => x[0])), t1 = Math.max(...spans.map((x) => x[1]));
  const states = new Map<string, number>();
  for (const t of trials) states.set(t.state, (states.get(t.state) ?? 0) + 1);
  const trialMs = finished.reduce((a, t) => a + (t.finishedAt! - t.startedAt), 0);
  const studies = data.reduce((a, d) => a + (d.replicates?.length ?? 1), 0);
  const inSpan = samples.filter((x) => spans.some(([a, b]) => x.t >= a - LOAD_SAMPLE_MS && x.t <= b + LOAD_SAMPLE_MS)).map((x) => x.load1);
  const load = inSpan.length
    ? `load average (1 min) during those spans mean ${(inSpan.reduce((a, x) => a + x, 0) / inSpan.length).toFixed(1)} (min ${Math.min(...inSpan).toFixed(1)}, max ${Math.max(...inSpan).toFixed(1)}; ${inSpan.length} samples) on ${cpuCount} CPUs`
    : 'load average not recorded for those spans';
  const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  return `- Timing (study seed ${seed}): wall ${(wallMs / 60000).toFixed(1)} min (the ${spans.length} replicate studies' spans from first trial start to last trial end, summed; between ${when(t0)} and ${when(t1)} UTC), ` +
    `${[...states].map(([st, n]) => `${n} ${st}`).join(', ')} trials in ${studies} studies, ${(trialMs / 60000).toFixed(1)} min of trial time; ${load}.`;
}
