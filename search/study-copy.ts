import type { Store } from './store.js';
import type { Study } from './types.js';
import { SparsenasError } from './errors.js';
import { type StudyDump, digestOf, dumpStudy, studyDigest } from './study-dump.js';

export interface CopyOptions {
  /** Name of the copy (default: the same name). */
  as?: string;
  /** Copy a study that is still running (its running trials are copied running; see `copyStudy`). */
  live?: boolean;
}

export interface CopyResult {
  study: Study;
  trials: number;
  epochs: number;
  /** sha256 of the study as both stores now hold it (`studyDigest`). */
  digest: string;
}

/**
 * Copies study `name` from one store to another (SQLite ↔ PostgreSQL, either way) and checks
 * the copy: the target's study, read back, must have the same digest as the source's, or the
 * copy is deleted again and the copy fails. Nothing is ever changed in the source. A study
 * that is still running is refused unless `live`: a snapshot of it would hold running trials
 * whose workers write only to the source (on the target they end as stale, and are redone).
 */
export async function copyStudy(from: Store, to: Store, name: string, options: CopyOptions = {}): Promise<CopyResult> {
  const dump = await dumpStudy(from, name);
  const busy = dump.trials.filter((t) => t.state === 'running').map((t) => t.number);
  if (!options.live && (dump.study.state === 'running' || busy.length)) {
    throw new SparsenasError('STUDY_BUSY', `study "${name}" is ${busy.length ? `running (trial${busy.length > 1 ? 's' : ''} ${busy.join(', ')})` : 'marked running'}; stop its workers first so the copy is complete, or pass --live to copy it as it is now (a copy of a killed study is fine: its running trials are redone wherever it is resumed)`);
  }
  if (options.as !== undefined) dump.study.name = options.as;
  const digest = studyDigest(dump);
  const study = await to.importStudy(dump);
  const back = await dumpStudy(to, study.name);
  if (studyDigest(back) !== digest) {
    await to.deleteStudy(study.id).catch(() => undefined);
    throw new SparsenasError('STUDY_COPY_MISMATCH', `the copy of study "${name}" read back differently from the original (${firstDifference(dump, back)}); it was deleted from the target. Please report this`);
  }
  return { study, trials: dump.trials.length, epochs: dump.trials.reduce((n, t) => n + t.epochs.length, 0), digest };
}

function firstDifference(a: StudyDump, b: StudyDump): string {
  if (digestOf(a.study) !== digestOf(b.study)) return 'the study row';
  if (a.trials.length !== b.trials.length) return `${a.trials.length} trials became ${b.trials.length}`;
  const i = a.trials.findIndex((t, k) => digestOf(t) !== digestOf(b.trials[k]));
  if (i >= 0) return `trial ${a.trials[i]!.number}`;
  return 'the workers';
}
