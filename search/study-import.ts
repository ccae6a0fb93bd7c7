import type { StudyDump } from './study-dump.js';
import { STUDY_DUMP_FORMAT } from './study-dump.js';
import { StoreError } from './errors.js';
import { encodeMetrics, json } from './sqlite-rows.js';
import { storeErrors } from './store-errors.js';

/** One statement with `?` placeholders, returning its rows (RETURNING included). */
export type SqlRows = (sql: string, params: readonly unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Writes a dumped study into an SQL store (SQLite or PostgreSQL: the same columns), inside the
 * caller's transaction, keeping every field as dumped. Refused: a study name the store has
 * (STUDY_EXISTS) and a worker id it has (WORKER_EXISTS; ids are unique across studies, so a
 * copy of this study is probably there already under another name). Returns the new study id.
 */
export async function importStudyRows(sql: SqlRows, dump: StudyDump): Promise<number> {
  checkDump(dump);
  const s = dump.study;
  if ((await sql('SELECT 1 AS x FROM studies WHERE name = ?', [s.name])).length) throw storeErrors.studyExists(s.name);
  for (const w of dump.workers) {
    if ((await sql('SELECT 1 AS x FROM workers WHERE id = ?', [w.id])).length) {
      throw new StoreError('WORKER_EXISTS', `the target already has a worker "${w.id}" of study "${s.name}" (in another study: a copy made before, renamed?); delete that copy first`);
    }
  }
  const [study] = await sql(
    `INSERT INTO studies (name, definition, state, created_at, updated_at, data_checksums, backend, strategy_state, test_results, run_started_at, tester)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [s.name, JSON.stringify(s.definition), s.state, s.createdAt, s.updatedAt, json(s.dataChecksums), s.backend ?? null,
      s.strategyState === undefined ? null : JSON.stringify(s.strategyState), json(s.testResults), s.runStartedAt ?? null, s.tester ?? null]);
  const studyId = Number(study!['id']);
  for (const t of dump.trials) {
    const m = t.metrics;
    const [row] = await sql(
      `INSERT INTO trials (study_id, number, state, sample, architecture, seed, grp, label, training, attributes, metrics, val_accuracy, sparsity,
                           sparse_flops, error, started_at, finished_at, heartbeat_at, owner, attempt, told_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      [studyId, t.number, t.state, JSON.stringify(t.sample), json(t.architecture), t.seed, t.group ?? null, t.label ?? null, json(t.training),
        json(t.attributes), m ? encodeMetrics(m) : null, m?.valAccuracy ?? null, m?.sparsity ?? null, m?.sparseFlops ?? null, t.error ?? null,
        t.startedAt, t.finishedAt ?? null, t.heartbeatAt ?? null, t.owner ?? null, t.attempt ?? 1, t.toldAt ?? null]);
    const trialId = Number(row!['id']);
    // One statement per trial for all its epochs: a long study copies in seconds, also to a remote server.
    if (t.epochs.length) {
      await sql(`INSERT INTO epochs (trial_id, epoch, train_loss, val_loss, val_accuracy, train_accuracy, sparsity, elapsed_ms, outputs)
                 VALUES ${t.epochs.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        t.epochs.flatMap((e) => [trialId, e.epoch, e.trainLoss, e.valLoss, e.valAccuracy, e.trainAccuracy ?? null, e.sparsity ?? null, e.elapsedMs, json(e.outputs)]));
    }
  }
  for (const w of dump.workers) {
    await sql('INSERT INTO workers (id, study_id, host, pid, machine, backend, artifacts, started_at, heartbeat_at, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [w.id, studyId, w.host, w.pid, w.machine ?? null, w.backend ?? null, w.artifacts ?? null, w.startedAt, w.heartbeatAt, w.endedAt ?? null]);
  }
  return studyId;
}

/** Runtime guard: a dump from a file or a newer sparsenas must be the shape this one writes. */
export function checkDump(dump: StudyDump): void {
  if (dump?.format !== STUDY_DUMP_FORMAT) {
    throw new StoreError('STUDY_DUMP_INVALID', `cannot import a study dump of format "${String(dump?.format)}"; this sparsenas reads ${STUDY_DUMP_FORMAT}`);
  }
  const numbers = dump.trials.map((t) => t.number);
  if (new Set(numbers).size !== numbers.length) throw new StoreError('STUDY_DUMP_INVALID', `the dump of study "${dump.study.name}" numbers two trials alike`);
}

/** `?` → `$1, $2…` for PostgreSQL (our statements hold no `?` inside string literals). */
export function numberedParams(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
