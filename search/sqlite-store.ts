import type { StudyDefinition } from './config.js';
import type { Json } from './json.js';
import type { NewTrial, Store, StudyPatch, TrialResult } from './store.js';
import type { EpochMetrics, Metrics, Study, StudyState, Trial, TrialState } from './types.js';
import { type SqliteConnection, sqliteCode } from './sqlite-connection.js';
import { openDatabase } from './sqlite-schema.js';
import { checkResult, compact, storeErrors } from './store-errors.js';
import { upgradeLegacyDefinition, upgradeLegacyTraining } from './legacy-training.js';

export interface SqliteStoreOptions {
  /** Injected clock (ms) for createdAt / startedAt / heartbeatAt. */
  now?: () => number;
  /** How long a write waits for another process holding the lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /** The schema's migrations; only tests of the upgrade path pass their own (default MIGRATIONS). */
  migrations?: readonly string[];
}

interface StudyRow {
  id: number; name: string; definition: string; state: string; created_at: number; updated_at: number;
  data_checksums: string | null; backend: string | null; strategy_state: string | null;
  /** Schema version 2; absent when the store was opened with older migrations (upgrade tests). */
  test_results?: string | null;
}
interface TrialRow {
  id: number; study_id: number; number: number; state: string; sample: string; architecture: string | null; seed: number;
  grp: string | null; label: string | null; training: string | null; attributes: string | null; metrics: string | null;
  error: string | null; started_at: number; finished_at: number | null; heartbeat_at: number | null;
}
interface EpochRow {
  epoch: number; train_loss: number | null; val_loss: number | null; val_accuracy: number | null;
  train_accuracy: number | null; sparsity: number | null; elapsed_ms: number | null;
  /** Schema version 3; absent when the store was opened with older migrations (upgrade tests). */
  outputs?: string | null;
}

/**
 * The Store on an SQLite file (package `sqlite3`), one connection per store. Schema,
 * migrations and the checks made when opening are in `sqlite-schema.ts`. Every operation
 * runs alone on the connection (see `SqliteConnection.exclusive`), so concurrent promise
 * calls are safe; finished-trial immutability is enforced by the SQL itself
 * (`UPDATE … WHERE state = 'running'`), not by a read before the write.
 */
export class SqliteStore implements Store {
  private closed = false;

  private constructor(
    private readonly db: SqliteConnection,
    readonly file: string,
    private readonly now: () => number,
  ) {}

  /** Opens (or creates) the database at `file`; `:memory:` gives a private in-memory one. */
  static async open(file: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    const db = await openDatabase(file, options.busyTimeoutMs ?? 5000, options.migrations);
    return new SqliteStore(db, file, options.now ?? Date.now);
  }

  createStudy(name: string, definition: StudyDefinition): Promise<Study> {
    return this.op(async () => {
      const at = this.now();
      try {
        const { lastID } = await this.db.run(
          `INSERT INTO studies (name, definition, state, created_at, updated_at) VALUES (?, ?, 'running', ?, ?)`,
          [name, JSON.stringify(definition), at, at]);
        return toStudy((await this.db.get<StudyRow>('SELECT * FROM studies WHERE id = ?', [lastID]))!);
      } catch (err) {
        if (sqliteCode(err) === 'SQLITE_CONSTRAINT') throw storeErrors.studyExists(name);
        throw err;
      }
    });
  }

  getStudy(name: string): Promise<Study | undefined> {
    return this.op(async () => {
      const row = await this.db.get<StudyRow>('SELECT * FROM studies WHERE name = ?', [name]);
      return row && toStudy(row);
    });
  }

  listStudies(): Promise<Study[]> {
    return this.op(async () => (await this.db.all<StudyRow>('SELECT * FROM studies ORDER BY id')).map(toStudy));
  }

  updateStudy(studyId: number, patch: StudyPatch): Promise<void> {
    return this.op(async () => {
      const sets = ['updated_at = ?'];
      const params: (string | number | null)[] = [this.now()];
      const set = (column: string, value: string | null) => { sets.push(`${column} = ?`); params.push(value); };
      if (patch.state !== undefined) set('state', patch.state);
      if (patch.strategyState !== undefined) set('strategy_state', JSON.stringify(patch.strategyState));
      if (patch.dataChecksums !== undefined) set('data_checksums', JSON.stringify(patch.dataChecksums));
      if (patch.backend !== undefined) set('backend', patch.backend);
      if (patch.testResults !== undefined) set('test_results', JSON.stringify(patch.testResults));
      const { changes } = await this.db.run(`UPDATE studies SET ${sets.join(', ')} WHERE id = ?`, [...params, studyId]);
      if (changes === 0) throw storeErrors.studyNotFound(studyId);
    });
  }

  deleteStudy(studyId: number): Promise<void> {
    return this.op(async () => {
      // Trials and epochs go with it: ON DELETE CASCADE (foreign_keys is on for this connection).
      const { changes } = await this.db.run('DELETE FROM studies WHERE id = ?', [studyId]);
      if (changes === 0) throw storeErrors.studyNotFound(studyId);
    });
  }

  createTrial(studyId: number, trial: NewTrial): Promise<Trial> {
    return this.op(() => this.db.transaction(async () => {
      if (!(await this.db.get('SELECT 1 FROM studies WHERE id = ?', [studyId]))) throw storeErrors.studyNotFound(studyId);
      const { next } = (await this.db.get<{ next: number }>('SELECT COALESCE(MAX(number) + 1, 0) AS next FROM trials WHERE study_id = ?', [studyId]))!;
      const at = this.now();
      const { lastID } = await this.db.run(
        `INSERT INTO trials (study_id, number, state, sample, architecture, seed, grp, label, training, attributes, started_at, heartbeat_at)
         VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [studyId, next, JSON.stringify(trial.sample), json(trial.architecture), trial.seed, trial.group ?? null, trial.label ?? null,
          json(trial.training), json(trial.attributes), at, at]);
      return this.trialById(lastID);
    }));
  }

  heartbeat(trialId: number): Promise<void> {
    return this.op(async () => {
      // A late ping after the trial ended is harmless; it must not change a finished trial.
      const { changes } = await this.db.run(`UPDATE trials SET heartbeat_at = ? WHERE id = ? AND state = 'running'`, [this.now(), trialId]);
      if (changes === 0) await this.trialById(trialId);
    });
  }

  addEpoch(trialId: number, m: EpochMetrics): Promise<void> {
    return this.op(async () => {
      let changes: number;
      try {
        ({ changes } = await this.db.run(
          `INSERT INTO epochs (trial_id, epoch, train_loss, val_loss, val_accuracy, train_accuracy, sparsity, elapsed_ms, outputs)
           SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM trials WHERE id = ? AND state = 'running')`,
          [trialId, m.epoch, m.trainLoss, m.valLoss, m.valAccuracy, m.trainAccuracy ?? null, m.sparsity ?? null, m.elapsedMs, json(m.outputs), trialId]));
      } catch (err) {
        if (sqliteCode(err) === 'SQLITE_CONSTRAINT') throw storeErrors.epochExists(trialId, m.epoch);
        throw err;
      }
      if (changes === 0) {
        await this.trialById(trialId);
        throw storeErrors.trialFinished(trialId, `adding epoch ${m.epoch}`);
      }
    });
  }

  finishTrial(trialId: number, result: TrialResult): Promise<Trial> {
    return this.op(async () => {
      checkResult(trialId, result);
      const m = result.metrics;
      const { changes } = await this.db.run(
        `UPDATE trials SET state = ?, metrics = ?, val_accuracy = ?, sparsity = ?, sparse_flops = ?, error = ?, finished_at = ?
         WHERE id = ? AND state = 'running'`,
        [result.state, m ? encodeMetrics(m) : null, m?.valAccuracy ?? null, m?.sparsity ?? null, m?.sparseFlops ?? null,
          result.error ?? null, this.now(), trialId]);
      if (changes === 0) {
        await this.trialById(trialId);
        throw storeErrors.trialFinished(trialId, `finishing it as ${result.state}`);
      }
      return this.trialById(trialId);
    });
  }

  getTrials(studyId: number): Promise<Trial[]> {
    return this.op(async () => (await this.db.all<TrialRow>('SELECT * FROM trials WHERE study_id = ? ORDER BY number', [studyId])).map(toTrial));
  }

  getTrial(studyId: number, number: number): Promise<Trial | undefined> {
    return this.op(async () => {
      const row = await this.db.get<TrialRow>('SELECT * FROM trials WHERE study_id = ? AND number = ?', [studyId, number]);
      return row && toTrial(row);
    });
  }

  getEpochs(trialId: number): Promise<EpochMetrics[]> {
    return this.op(async () => (await this.db.all<EpochRow>('SELECT * FROM epochs WHERE trial_id = ? ORDER BY epoch', [trialId])).map(toEpoch));
  }

  /** Checkpoints the WAL into the main file (so the .db alone is complete) and closes. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // Calls made before close() still run; calls made after it are refused at once.
    this.closed = true;
    return this.db.exclusive(async () => {
      await this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      await this.db.close();
    });
  }

  private op<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(storeErrors.closed(`the database ${this.file}`));
    return this.db.exclusive(fn);
  }

  private async trialById(id: number): Promise<Trial> {
    const row = await this.db.get<TrialRow>('SELECT * FROM trials WHERE id = ?', [id]);
    if (!row) throw storeErrors.trialNotFound(id);
    return toTrial(row);
  }
}

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function parse<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

function toStudy(r: StudyRow): Study {
  return compact({
    id: r.id, name: r.name, definition: upgradeLegacyDefinition(JSON.parse(r.definition) as StudyDefinition), state: r.state as StudyState,
    createdAt: r.created_at, updatedAt: r.updated_at, dataChecksums: parse<Study['dataChecksums']>(r.data_checksums),
    backend: r.backend ?? undefined, strategyState: parse<Json>(r.strategy_state), testResults: parse<Study['testResults']>(r.test_results ?? null),
  });
}

function toTrial(r: TrialRow): Trial {
  return compact({
    id: r.id, studyId: r.study_id, number: r.number, state: r.state as TrialState, sample: JSON.parse(r.sample) as Trial['sample'],
    architecture: r.architecture === null ? null : (JSON.parse(r.architecture) as Trial['architecture']), seed: r.seed,
    group: r.grp ?? undefined, label: r.label ?? undefined, training: upgradeLegacyTraining(parse<Trial['training']>(r.training)),
    attributes: parse<Trial['attributes']>(r.attributes), metrics: r.metrics === null ? undefined : decodeMetrics(r.metrics),
    error: r.error ?? undefined, startedAt: r.started_at, finishedAt: r.finished_at ?? undefined, heartbeatAt: r.heartbeat_at ?? undefined,
  });
}

/** SQLite stores NaN as NULL: a required epoch number read back as NULL was NaN. */
function toEpoch(r: EpochRow): EpochMetrics {
  return compact({
    epoch: r.epoch, trainLoss: r.train_loss ?? NaN, valLoss: r.val_loss ?? NaN, valAccuracy: r.val_accuracy ?? NaN,
    trainAccuracy: r.train_accuracy ?? undefined, sparsity: r.sparsity ?? undefined, elapsedMs: r.elapsed_ms ?? NaN,
    outputs: parse<EpochMetrics['outputs']>(r.outputs ?? null),
  });
}

// JSON has no NaN or ±Infinity (JSON.stringify writes null). Metrics may hold them (an
// `extra.epochsToThreshold` that was never reached is Infinity), so they are written as the
// strings "NaN", "Infinity", "-Infinity" and turned back into numbers where Metrics has numbers.
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function encodeMetrics(m: Metrics): string {
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
