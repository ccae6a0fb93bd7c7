import type { StudyDefinition } from './config.js';
import type { Json } from './json.js';
import type { StudyPatch } from './store.js';
import type { EpochMetrics, Metrics, Study, StudyState, Trial, TrialState, WorkerInfo } from './types.js';
import { compact } from './store-errors.js';
import { upgradeLegacyDefinition, upgradeLegacyTraining } from './legacy-training.js';

/** Rows of the SQLite schema (`sqlite-schema.ts`) and their conversion to the Store's types. */
export interface StudyRow {
  id: number; name: string; definition: string; state: string; created_at: number; updated_at: number;
  data_checksums: string | null; backend: string | null; strategy_state: string | null;
  /** Absent when the store was opened with older migrations (upgrade tests). */
  test_results?: string | null; run_started_at?: number | null; tester?: string | null;
}
export interface TrialRow {
  id: number; study_id: number; number: number; state: string; sample: string; architecture: string | null; seed: number;
  grp: string | null; label: string | null; training: string | null; attributes: string | null; metrics: string | null;
  error: string | null; started_at: number; finished_at: number | null; heartbeat_at: number | null;
  owner?: string | null; attempt?: number; told_at?: number | null;
}
export interface EpochRow {
  epoch: number; train_loss: number | null; val_loss: number | null; val_accuracy: number | null;
  train_accuracy: number | null; sparsity: number | null; elapsed_ms: number | null;
  /** Schema version 3; absent when the store was opened with older migrations (upgrade tests). */
  outputs?: string | null;
}
export interface WorkerRow {
  id: string; study_id: number; host: string; pid: number; machine: string | null;
  /** Schema version 5; absent when opened with older migrations. */
  backend?: string | null; artifacts?: string | null;
  started_at: number; heartbeat_at: number; ended_at: number | null;
}

/** The columns a StudyPatch sets, with their stored values (both stores; `updated_at` is the caller's). */
export function studyPatchColumns(patch: StudyPatch): [column: string, value: string | number | null][] {
  const out: [string, string | number | null][] = [];
  if (patch.state !== undefined) out.push(['state', patch.state]);
  if (patch.strategyState !== undefined) out.push(['strategy_state', JSON.stringify(patch.strategyState)]);
  if (patch.dataChecksums !== undefined) out.push(['data_checksums', JSON.stringify(patch.dataChecksums)]);
  if (patch.backend !== undefined) out.push(['backend', patch.backend]);
  if (patch.testResults !== undefined) out.push(['test_results', JSON.stringify(patch.testResults)]);
  if (patch.runStartedAt !== undefined) out.push(['run_started_at', patch.runStartedAt]);
  if (patch.tester !== undefined) out.push(['tester', patch.tester]);
  if (patch.definition !== undefined) out.push(['definition', JSON.stringify(patch.definition)]);
  return out;
}

export function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function parse<T>(text: string | null | undefined): T | undefined {
  return text === null || text === undefined ? undefined : (JSON.parse(text) as T);
}

export function toStudy(r: StudyRow): Study {
  return compact({
    id: r.id, name: r.name, definition: upgradeLegacyDefinition(JSON.parse(r.definition) as StudyDefinition), state: r.state as StudyState,
    createdAt: r.created_at, updatedAt: r.updated_at, dataChecksums: parse<Study['dataChecksums']>(r.data_checksums),
    backend: r.backend ?? undefined, strategyState: parse<Json>(r.strategy_state), testResults: parse<Study['testResults']>(r.test_results),
    runStartedAt: r.run_started_at ?? undefined, tester: r.tester ?? undefined,
  });
}

export function toTrial(r: TrialRow): Trial {
  return compact({
    id: r.id, studyId: r.study_id, number: r.number, state: r.state as TrialState, sample: JSON.parse(r.sample) as Trial['sample'],
    architecture: r.architecture === null ? null : (JSON.parse(r.architecture) as Trial['architecture']), seed: r.seed,
    group: r.grp ?? undefined, label: r.label ?? undefined, training: upgradeLegacyTraining(parse<Trial['training']>(r.training)),
    attributes: parse<Trial['attributes']>(r.attributes), metrics: r.metrics === null ? undefined : decodeMetrics(r.metrics),
    error: r.error ?? undefined, startedAt: r.started_at, finishedAt: r.finished_at ?? undefined, heartbeatAt: r.heartbeat_at ?? undefined,
    owner: r.owner ?? undefined, attempt: r.attempt ?? 1, toldAt: r.told_at ?? undefined,
  });
}

export function toWorker(r: WorkerRow): WorkerInfo {
  return compact({
    id: r.id, studyId: r.study_id, host: r.host, pid: r.pid, machine: r.machine ?? undefined,
    backend: r.backend ?? undefined, artifacts: r.artifacts ?? undefined,
    startedAt: r.started_at, heartbeatAt: r.heartbeat_at, endedAt: r.ended_at ?? undefined,
  });
}

/** SQLite stores NaN as NULL: a required epoch number read back as NULL was NaN. */
export function toEpoch(r: EpochRow): EpochMetrics {
  return compact({
    epoch: r.epoch, trainLoss: r.train_loss ?? NaN, valLoss: r.val_loss ?? NaN, valAccuracy: r.val_accuracy ?? NaN,
    trainAccuracy: r.train_accuracy ?? undefined, sparsity: r.sparsity ?? undefined, elapsedMs: r.elapsed_ms ?? NaN,
    outputs: parse<EpochMetrics['outputs']>(r.outputs),
  });
}

// JSON has no NaN or ±Infinity (JSON.stringify writes null). Metrics may hold them (an
// `extra.epochsToThreshold` that was never reached is Infinity), so they are written as the
// strings "NaN", "Infinity", "-Infinity" and turned back into numbers where Metrics has numbers.
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

export function encodeMetrics(m: Metrics): string {
  return JSON.stringify(m, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

function decodeMetrics(text: string): Metrics {
  const m = JSON.parse(text) as Record<string, unknown>;
  const revive = (o: Record<string, unknown>, skip: readonly string[]) => {
    for (const [k, v] of Object.entries(o)) if (!skip.includes(k) && typeof v === 'string' && v in NON_FINITE) o[k] = NON_FINITE[v];
  };
  revive(m, ['backend', 'outputs']);
  for (const layer of (m['layers'] as Record<string, unknown>[] | undefined) ?? []) revive(layer, ['name', 'type']);
  if (m['extra']) revive(m['extra'] as Record<string, unknown>, []);
  return m as unknown as Metrics;
}
