// The experimental harness behind `npm run reproduce`: resolves the parameters, runs every study
// of a reproduction once per replicate (each replicate under its own derived study seed, hence its
// own training subset, validation split and trial seeds), optionally under several study seeds,
// merges the replicates back into one StudyData per study and writes the section.
import { createHash } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { openStore, resume, search } from '../../cli/api.js';
import { deriveSeed } from '../../search/index.js';
import type { EpochMetrics, JsonObject, SearchEvent, Study, StudyDefinition, Trial } from '../../search/index.js';
import type { ReproduceArgs } from './cli-args.js';
import { writeSection } from './results-file.js';
import { readLoadLog, recordHost, hostsDuring, startLoadLog, timingLine } from './timing.js';
import type { ClaimResult, Reproduction, ReproductionReport, ReproParams, StudyData } from './types.js';

/** Command-line values over `--quick` over the reproduction's defaults. */
export function resolveParams(r: Reproduction, a: Partial<ReproduceArgs>): ReproParams {
  if (a.full && !r.fullPart) throw new Error(`--full: ${r.name} has no part left out of its default; run it without --full`);
  const base: ReproParams = { ...r.defaults, ...(a.quick ? { ...r.quick, quick: true } : {}), ...(a.full ? { full: true } : {}) };
  if (a.focusReplicates !== undefined && !r.focus) throw new Error(`--focus-replicates: ${r.name} has no comparison that needs more replicates than the rest; use --replicates`);
  const given = { seed: a.seed, replicates: a.replicates, dataset: a.dataset, subset: a.subset, epochs: a.epochs, focusReplicates: a.focusReplicates };
  for (const [k, v] of Object.entries(given)) if (v !== undefined) (base as unknown as Record<string, unknown>)[k] = v;
  return base;
}

/** Replicate r's study seed under study seed `seed`: its subset, validation split and trial seeds follow from it. */
export function replicateSeed(seed: number, replicate: number): number {
  return deriveSeed(seed, 'reproduce-replicate', replicate);
}

/** Study seeds of `--seeds S`: the given seed, then seed + 1, …. */
export function studySeeds(seed: number, count: number): number[] {
  return Array.from({ length: count }, (_, j) => seed + j);
}

export interface PlannedStudy {
  /** The study's name in the reproduction (e.g. `random-baseline-init`). */
  base: string;
  replicate: number;
  /** Stored name: base, a hash of the parameters, the replicate. */
  name: string;
  definition: StudyDefinition | JsonObject;
}

/**
 * Every replicate study of one study seed, in run order (replicate-major, so a stopped run has whole
 * replicates): replicates 0 … replicates − 1 run every study, then replicates up to
 * `focusReplicates` run the focus studies only.
 */
export function planStudies(r: Reproduction, p: ReproParams): PlannedStudy[] {
  const specs = r.studies(p);
  const focusSpecs = r.focus?.studies(p) ?? [];
  const out: PlannedStudy[] = [];
  for (let i = 0; i < totalReplicates(r, p); i++) {
    for (const s of i < p.replicates ? specs : focusSpecs) {
      const definition = { ...(s.definition as JsonObject), seed: replicateSeed(p.seed, i) } as JsonObject;
      const tag = createHash('sha256').update(JSON.stringify({ ...(s.definition as JsonObject), studySeed: p.seed })).digest('hex').slice(0, 8);
      out.push({ base: s.name, replicate: i, name: `${s.name}-${p.seed}-${tag}-r${i}`, definition });
    }
  }
  return out;
}

/** Replicates of the focus comparison (at least `replicates`). */
export function totalReplicates(r: Reproduction, p: ReproParams): number {
  return r.focus ? Math.max(p.replicates, p.focusReplicates ?? 0) : p.replicates;
}

export interface RunHooks {
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/** Runs (or resumes) the unfinished studies of the plan; returns whether any trial was run. */
export async function runPlan(plan: readonly PlannedStudy[], db: string, hooks: RunHooks = {}): Promise<boolean> {
  const log = hooks.log ?? ((l: string) => console.log(l));
  let ran = false;
  for (const s of plan) {
    if (hooks.signal?.aborted) break;
    const store = await openStore(db);
    const existing = await store.getStudy(s.name);
    await store.close();
    if (existing?.state === 'finished') continue;
    ran = true;
    const run = existing ? resume(s.name, { db, signal: hooks.signal }) : search(s.definition as never, { study: s.name, db, signal: hooks.signal });
    run.events$.subscribe((e: SearchEvent) => {
      if (e.type === 'trial.finished') {
        const t = e.trial, m = t.metrics;
        const time = t.finishedAt !== undefined ? `${((t.finishedAt - t.startedAt) / 1000).toFixed(1)}s` : '';
        log(`[${s.name}] trial ${t.number} ${t.state} ${t.label ?? ''} ${m ? `val ${m.valAccuracy.toFixed(4)}${m.testAccuracy !== undefined ? ` test ${m.testAccuracy.toFixed(4)}` : ''}` : t.error ?? ''} ${time}`);
      } else if (e.type === 'search.log' && e.level !== 'info') log(`[${s.name}] ${e.level}: ${e.message}`);
    });
    const outcome = await run;
    log(`[${s.name}] ${outcome.reason}`);
  }
  return ran;
}

/**
 * Reads the plan's studies back and merges the replicates of each: a trial's `attributes.replicate`
 * (and a WGSEF trial's `wgsef.seedIndex`) becomes its replicate index.
 */
export async function collectPlan(plan: readonly PlannedStudy[], db: string): Promise<StudyData[]> {
  const store = await openStore(db);
  try {
    const merged = new Map<string, StudyData>();
    for (const s of plan) {
      const study = await store.getStudy(s.name);
      if (!study) continue;
      const trials = await store.getTrials(study.id);
      let d = merged.get(s.base);
      if (!d) {
        d = { study: { ...study, name: s.base }, trials: [], epochs: new Map<number, EpochMetrics[]>(), replicates: [] };
        merged.set(s.base, d);
      }
      d.replicates!.push({ index: s.replicate, study });
      for (const t of trials) {
        d.trials.push(relabel(t, s.replicate));
        d.epochs.set(t.id, await store.getEpochs(t.id));
      }
    }
    // In the reproduction's own order.
    const order = [...new Set(plan.map((s) => s.base))];
    return order.map((b) => merged.get(b)).filter((d): d is StudyData => d !== undefined);
  } finally {
    await store.close();
  }
}

function relabel(t: Trial, replicate: number): Trial {
  const attributes: JsonObject = { ...(t.attributes ?? {}), replicate };
  const wg = attributes['wgsef'];
  if (wg && typeof wg === 'object' && !Array.isArray(wg)) attributes['wgsef'] = { ...(wg as JsonObject), seedIndex: replicate };
  return { ...t, attributes };
}

export interface SeedRun {
  seed: number;
  data: StudyData[];
  report: ReproductionReport;
  /** Wall time of this invocation for this seed (ms), when it ran trials. */
  wallMs?: number;
  /** Wall time, trials and machine load of the stored trials (timing.ts). */
  timing?: string;
}

/** Runs a reproduction under every study seed of `args` and writes its section; returns the per-seed runs. */
export async function runReproduction(r: Reproduction, args: ReproduceArgs, hooks: RunHooks = {}): Promise<SeedRun[]> {
  const params = resolveParams(r, args);
  const runs: SeedRun[] = [];
  if (!args.reportOnly) recordHost(args.db, host());
  for (const seed of studySeeds(params.seed, args.seeds)) {
    const p = { ...params, seed };
    const plan = planStudies(r, p);
    const started = Date.now();
    const stopLoadLog = args.reportOnly ? () => {} : startLoadLog(args.db);
    const ran = !args.reportOnly && await runPlan(plan, args.db, hooks).finally(stopLoadLog);
    const data = await collectPlan(plan, args.db);
    if (!data.length) throw new Error(`no study of ${r.name} (seed ${seed}) in ${args.db}; run it without --report-only first`);
    runs.push({ seed, data, report: r.report(data, p), wallMs: ran ? Date.now() - started : undefined, timing: timingLine(data, readLoadLog(args.db), seed) });
    if (hooks.signal?.aborted) break;
  }
  writeSection(args.results, r.name, renderReproduction(r, params, runs, commandLine(r.name, args), machinesOf(runs, args.db)));
  return runs;
}

/** The machines the runs' stored trials ran on, from `<db>.hosts.log` (timing.ts); [] when none was recorded. */
function machinesOf(runs: readonly SeedRun[], db: string): string[] {
  let from = Infinity, to = -Infinity;
  for (const t of runs.flatMap((r) => r.data.flatMap((d) => d.trials))) {
    if (!Number.isFinite(t.startedAt)) continue;
    from = Math.min(from, t.startedAt);
    to = Math.max(to, t.finishedAt ?? t.startedAt);
  }
  return hostsDuring(db, from, to);
}

function commandLine(name: string, a: ReproduceArgs): string {
  const parts = ['npm run reproduce --', name];
  if (a.quick) parts.push('--quick');
  if (a.full) parts.push('--full');
  for (const [flag, v] of [['--seed', a.seed], ['--replicates', a.replicates], ['--dataset', a.dataset], ['--subset', a.subset], ['--epochs', a.epochs], ['--focus-replicates', a.focusReplicates]] as const) {
    if (v !== undefined) parts.push(flag, String(v));
  }
  if (a.seeds > 1) parts.push('--seeds', String(a.seeds));
  return parts.join(' ');
}

export function host(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, native kernel threads ${process.env['SPARSENAS_NATIVE_THREADS'] ?? 'default (one per CPU)'}`;
}

/** The markdown section: claim, protocol, sizing, then per study seed its provenance, tables and verdicts; the robustness table last. */
export function renderReproduction(r: Reproduction, params: ReproParams, runs: readonly SeedRun[], command: string, machines: readonly string[] = []): string {
  const machine = machines.length === 1 ? `machine: ${machines[0]}`
    : machines.length ? `machines: ${machines.join('; ')}`
      : `machine of the run not recorded; rendered on ${host()}`;
  const lines: string[] = [
    `## ${r.title}`, '', `**Claim.** ${r.claim}`, '', `**Protocol.** ${r.protocol(params)}`, '',
    `**Replicates.** ${params.replicates} per configuration${r.focus && totalReplicates(r, params) > params.replicates ? `; ${totalReplicates(r, params)} for ${r.focus.label} (${focusRange(r, params)} run only its studies)` : ''}. Replicate r runs every study of the reproduction under its own study seed, derived from the study seed and r, so it draws its own stratified training subset and validation split and its own trial seed; the configurations of one replicate share all three (differences are paired by replicate).`,
    '', `**Sizing.** ${r.sizing}`, '',
    ...(r.fullPart ? [`**Left out of the default${params.full ? ' (this run includes it: --full)' : ' (run it with --full)'}.** ${r.fullPart}`, ''] : []), `**Command:** \`${command}\` (${machine})`, '',
  ];
  for (const run of runs) {
    if (runs.length > 1) lines.push(`### Study seed ${run.seed}`, '');
    lines.push(...provenance(run), '', run.report.body, '', `**Verdict (study seed ${run.seed}): ${run.report.verdict}.** ${run.report.reasoning}`, '');
  }
  if (runs.length > 1) lines.push(...robustness(runs));
  return lines.join('\n').trimEnd();
}

function focusRange(r: Reproduction, p: ReproParams): string {
  const last = totalReplicates(r, p) - 1;
  return last > p.replicates ? `replicates ${p.replicates}–${last}` : `replicate ${last}`;
}

function provenance(run: SeedRun): string[] {
  const lines: string[] = [];
  for (const d of run.data) {
    const def = d.study.definition as StudyDefinition;
    const reps = (d.replicates ?? []).slice().sort((a, b) => a.index - b.index);
    const finished = d.trials.filter((t) => t.finishedAt !== undefined);
    const trainMs = finished.reduce((a, t) => a + (t.finishedAt! - t.startedAt), 0);
    const counts = new Map<string, number>();
    for (const t of d.trials) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    const states = new Map<string, number>();
    for (const x of reps) states.set(x.study.state, (states.get(x.study.state) ?? 0) + 1);
    lines.push(
      `- Study \`${d.study.name}\`: ${reps.length} replicate studies (${[...states].map(([s, n]) => `${n} ${s}`).join(', ')}; stored as \`${reps[0]?.study.name ?? '—'}\` …), ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')} trials; strategy \`${def.strategy.name}\` ${strategyOptions(reps)}.`,
      `- Replicate study seeds (study seed ${run.seed}): ${replicateSeeds(reps)}.`,
      `- Dataset: \`${def.dataset.name}\`, subset ${def.dataset.subset ?? 'all'} training images per replicate (stratified), validation fraction ${def.dataset.validationFraction}; sha256 ${Object.entries(d.study.dataChecksums ?? {}).map(([f, h]) => `${f} \`${h.slice(0, 16)}…\``).join(', ') || 'not recorded'}.`,
      `- Training: ${JSON.stringify(def.training)}; backend ${d.study.backend ?? 'unknown'}; ${minutes(trainMs)} of training over all trials.`,
    );
  }
  if (run.timing) lines.push(run.timing);
  if (run.wallMs !== undefined) lines.push(`- This invocation ran trials for ${minutes(run.wallMs)} under study seed ${run.seed} (resumed studies count only the part it ran).`);
  return lines;
}

/** The strategy options of the replicate studies, with the replicates of each where they differ (focus replicates). */
function strategyOptions(reps: readonly { index: number; study: Study }[]): string {
  const groups = new Map<string, number[]>();
  for (const x of reps) {
    const key = JSON.stringify(x.study.definition.strategy.options);
    groups.set(key, [...(groups.get(key) ?? []), x.index]);
  }
  if (groups.size <= 1) return `options \`${[...groups.keys()][0] ?? '{}'}\``;
  return [...groups].map(([o, idx]) => `options \`${o}\` (replicates ${ranges(idx)})`).join('; ');
}

/** Up to 24 replicate seeds in full; past that the first 12 and the last, each derived as replicateSeed(study seed, r). */
function replicateSeeds(reps: readonly { index: number; study: Study }[]): string {
  const one = (x: { index: number; study: Study }) => `${x.index}: ${x.study.definition.seed}`;
  if (reps.length <= 24) return reps.map(one).join(', ');
  return `${reps.slice(0, 12).map(one).join(', ')}, … ${one(reps[reps.length - 1]!)} (replicate r's seed is deriveSeed(study seed, 'reproduce-replicate', r))`;
}

function ranges(xs: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < xs.length;) {
    let j = i;
    while (j + 1 < xs.length && xs[j + 1] === xs[j]! + 1) j++;
    out.push(i === j ? `${xs[i]}` : `${xs[i]}–${xs[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

function robustness(runs: readonly SeedRun[]): string[] {
  const claims: string[] = [];
  for (const run of runs) for (const c of run.report.claims ?? []) if (!claims.includes(c.claim)) claims.push(c.claim);
  const find = (run: SeedRun, claim: string): ClaimResult | undefined => run.report.claims?.find((c) => c.claim === claim);
  const rows = claims.map((claim) => {
    const vs = runs.map((run) => find(run, claim)?.verdict ?? '—');
    return `| ${claim} | ${vs.join(' | ')} | ${new Set(vs).size === 1 ? 'yes' : '**no**'} |`;
  });
  const overall = runs.map((run) => run.report.verdict);
  const same = claims.every((claim) => new Set(runs.map((run) => find(run, claim)?.verdict)).size === 1);
  return [
    `### Robustness across study seeds (${runs.map((r) => r.seed).join(', ')})`, '',
    `| claim | ${runs.map((r) => `seed ${r.seed}`).join(' | ')} | same under every seed |`,
    `| --- | ${runs.map(() => '---').join(' | ')} | --- |`,
    ...rows,
    `| **overall** | ${overall.join(' | ')} | ${new Set(overall).size === 1 ? 'yes' : '**no**'} |`,
    '',
    same ? `Every claim's verdict is the same under all ${runs.length} study seeds.` : 'At least one verdict differs between study seeds: that claim is not settled by this design; read its per-seed lines above.',
  ];
}

function minutes(ms: number): string {
  return `${(ms / 60000).toFixed(1)} min`;
}

export type { Study };
