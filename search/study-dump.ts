import { createHash } from 'node:crypto';
import type { Store } from './store.js';
import type { EpochMetrics, Study, Trial, WorkerInfo } from './types.js';
import { SparsenasError } from './errors.js';

export const STUDY_DUMP_FORMAT = 'sparsenas-study/1';

/** A trial as another store holds it: everything but its ids, with its epochs. */
export interface DumpedTrial extends Omit<Trial, 'id' | 'studyId'> {
  epochs: EpochMetrics[];
}

/**
 * A whole study, independent of any store: what `study copy` moves from one store to another.
 * Ids are the store's own and are left out; trial numbers, states, timestamps, leases,
 * strategy state, test results and checksums are kept exactly.
 */
export interface StudyDump {
  format: typeof STUDY_DUMP_FORMAT;
  study: Omit<Study, 'id'>;
  trials: DumpedTrial[];
  workers: Omit<WorkerInfo, 'studyId'>[];
}

/** Reads a study, its trials with their epochs and its workers, through the Store's reads only. */
export async function dumpStudy(store: Store, name: string): Promise<StudyDump> {
  const found = await store.getStudy(name);
  if (!found) throw new SparsenasError('STUDY_NOT_FOUND', `no study "${name}" to copy; \`sparsenas list studies --db …\` shows them`);
  const { id, ...study } = found;
  const trials: DumpedTrial[] = [];
  for (const t of await store.getTrials(id)) {
    const { id: trialId, studyId: _, ...rest } = t;
    trials.push({ ...rest, epochs: await store.getEpochs(trialId) });
  }
  const workers = (await store.getWorkers(id)).map(({ studyId: _, ...w }) => w);
  return { format: STUDY_DUMP_FORMAT, study, trials, workers };
}

/**
 * A sha256 over the dump's canonical JSON (keys sorted, NaN and ±Infinity spelled out): two
 * stores hold identical studies exactly when their dumps have the same digest.
 */
export function studyDigest(dump: StudyDump): string {
  return digestOf(dump);
}

/** sha256 of any JSON-like value's canonical form (a part of a dump, to say where two differ). */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(value: unknown): string {
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
  if (value === null || typeof value !== 'object') return value === undefined ? 'null' : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}
