import { AsyncLocalStorage } from 'node:async_hooks';
import type { StudyDefinition } from './config.js';
import type { Lease, NewWorker, Store, StudyPatch, StudyTransaction, TrialInsert, TrialResult } from './store.js';
import type { EpochMetrics, Study, Trial, WorkerInfo } from './types.js';
import { type SqliteConnection, retryBusy, sqliteCode } from './sqlite-connection.js';
import { openDatabase, openDatabaseReadOnly } from './sqlite-schema.js';
import { type EpochRow, type StudyRow, type TrialRow, type WorkerRow, encodeMetrics, json, studyPatchColumns, toEpoch, toStudy, toTrial, toWorker } from './sqlite-rows.js';
import { checkInsert, checkResult, storeErrors } from './store-errors.js';
import { StoreError } from './errors.js';
import type { StudyDump } from './study-dump.js';
import { importStudyRows } from './study-import.js';

export interface SqliteStoreOptions {
  /** Injected clock (ms): every timestamp the store writes, and `StudyTransaction.now`. */
  now?: () => number;
  /** How long one statement waits for another process holding the lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /** How long a write keeps retrying a busy database before STORE_LOCKED (default 120 s). */
  lockWaitMs?: number;
  /** The schema's migrations; only tests of the upgrade path pass their own (default MIGRATIONS). */
  migrations?: readonly string[];
  /**
   * Open an existing database for reading only (the reading commands): nothing is ever written
   * to it, so a read-only file, directory or filesystem can be read; every write is refused.
   */
  readOnly?: boolean;
}

/**
 * The Store on an SQLite file (package `sqlite3`), one connection per store. Schema,
 * migrations and the checks made when opening are in `sqlite-schema.ts`.
 *
 * Every operation runs alone on the connection (`SqliteConnection.exclusive`), so concurrent
 * promise calls are safe. Between processes, every write is a `BEGIN IMMEDIATE` transaction:
 * it takes the database's one write lock before reading anything it decides on, and reads the
 * clock only once it holds the lock, so a timestamp is never older than the lock wait. WAL
 * readers never wait. A busy lock is retried here until `lockWaitMs`; callers never see
 * SQLITE_BUSY. The fences (`owner`, `attempt`, `state = 'running'`) are in the SQL itself.
 */
export class SqliteStore implements Store {
  private closed = false;
  /** Set once `PRAGMA quick_check` passed, so a corrupt file is refused before anything is written to it. */
  private checked = false;
  /** Set while a transaction's function runs, so a call on the store from inside it fails fast instead of deadlocking. */
  private readonly inTx = new AsyncLocalStorage<true>();

  private constructor(
    private readonly db: SqliteConnection,
    readonly file: string,
    private readonly now: () => number,
    private readonly lockWaitMs: number,
    private readonly readOnly = false,
  ) {}

  /** Opens (or creates) the database at `file`; `:memory:` gives a private in-memory one. */
  static async open(file: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    const lockWaitMs = options.lockWaitMs ?? 120_000;
    const open = options.readOnly ? openDatabaseReadOnly : openDatabase;
    const db = await open(file, options.busyTimeoutMs ?? 5000, options.migrations, lockWaitMs);
    return new SqliteStore(db, file, options.now ?? Date.now, lockWaitMs, !!options.readOnly && file !== ':memory:' && file !== '');
  }

  createStudy(name: string, definition: StudyDefinition): Promise<Study> {
    return this.write('createStudy', async (at) => {
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
    return this.read('getStudy', async () => {
      const row = await this.db.get<StudyRow>('SELECT * FROM studies WHERE name = ?', [name]);
      return row && toStudy(row);
    });
  }

  listStudies(): Promise<Study[]> {
    return this.read('listStudies', async () => (await this.db.all<StudyRow>('SELECT * FROM studies ORDER BY id')).map(toStudy));
  }

  updateStudy(studyId: number, patch: StudyPatch): Promise<void> {
    return this.write('updateStudy', (at) => this.patchStudy(studyId, patch, at));
  }

  deleteStudy(studyId: number): Promise<void> {
    return this.write('deleteStudy', async () => {
      // Trials, epochs and workers go with it: ON DELETE CASCADE (foreign_keys is on for this connection).
      const { changes } = await this.db.run('DELETE FROM studies WHERE id = ?', [studyId]);
      if (changes === 0) throw storeErrors.studyNotFound(studyId);
    });
  }

  renameStudy(studyId: number, name: string): Promise<void> {
    return this.write('renameStudy', async (at) => {
      try {
        const { changes } = await this.db.run('UPDATE studies SET name = ?, updated_at = ? WHERE id = ?', [name, at, studyId]);
        if (changes === 0) throw storeErrors.studyNotFound(studyId);
      } catch (err) {
        if (sqliteCode(err) === 'SQLITE_CONSTRAINT') throw storeErrors.studyExists(name);
        throw err;
      }
    });
  }

  importStudy(dump: StudyDump): Promise<Study> {
    return this.write('importStudy', async () => {
      const id = await importStudyRows((sql, params) => this.db.all(sql, params as (string | number | null)[]), dump);
      return toStudy((await this.db.get<StudyRow>('SELECT * FROM studies WHERE id = ?', [id]))!);
    });
  }

  getTrials(studyId: number): Promise<Trial[]> {
    return this.read('getTrials', () => this.trialsOf(studyId));
  }

  getTrial(studyId: number, number: number): Promise<Trial | undefined> {
    return this.read('getTrial', async () => {
      const row = await this.db.get<TrialRow>('SELECT * FROM trials WHERE study_id = ? AND number = ?', [studyId, number]);
      return row && toTrial(row);
    });
  }

  getEpochs(trialId: number): Promise<EpochMetrics[]> {
    return this.read('getEpochs', async () => (await this.db.all<EpochRow>('SELECT * FROM epochs WHERE trial_id = ? ORDER BY epoch', [trialId])).map(toEpoch));
  }

  getWorkers(studyId: number): Promise<WorkerInfo[]> {
    return this.read('getWorkers', () => this.workersOf(studyId));
  }

  transact<T>(studyId: number, fn: (tx: StudyTransaction) => Promise<T>): Promise<T> {
    return this.write('transact', async (now) => {
      const study = await this.db.get<StudyRow>('SELECT * FROM studies WHERE id = ?', [studyId]);
      if (!study) throw storeErrors.studyNotFound(studyId);
      let open = true;
      const guard = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => (...a: A): Promise<R> => (open ? f(...a) : Promise.reject(storeErrors.txEnded()));
      const tx: StudyTransaction = {
        now,
        getStudy: guard(async () => toStudy((await this.db.get<StudyRow>('SELECT * FROM studies WHERE id = ?', [studyId]))!)),
        getTrials: guard(() => this.trialsOf(studyId)),
        getWorkers: guard(() => this.workersOf(studyId)),
        updateStudy: guard((patch: StudyPatch) => this.patchStudy(studyId, patch, now)),
        insertTrial: guard((trial: TrialInsert) => this.insertTrial(studyId, trial, now)),
        claimTrial: guard(async (trialId: number, owner: string) => {
          const { changes } = await this.db.run(
            `UPDATE trials SET state = 'running', owner = ?, started_at = ?, heartbeat_at = ? WHERE id = ? AND study_id = ? AND state = 'waiting'`,
            [owner, now, now, trialId, studyId]);
          return changes ? this.trialById(trialId) : undefined;
        }),
        interruptTrial: guard(async (trialId: number, error: string) => {
          const { changes } = await this.db.run(
            `UPDATE trials SET state = 'interrupted', error = ?, finished_at = ? WHERE id = ? AND study_id = ? AND state = 'running'`,
            [error, now, trialId, studyId]);
          return changes ? this.trialById(trialId) : undefined;
        }),
        markTold: guard(async (trialIds: readonly number[]) => {
          for (const id of trialIds) {
            await this.db.run(`UPDATE trials SET told_at = ? WHERE id = ? AND study_id = ? AND told_at IS NULL AND state NOT IN ('waiting', 'running')`, [now, id, studyId]);
          }
        }),
        registerWorker: guard(async (w: NewWorker) => {
          try {
            await this.db.run('INSERT INTO workers (id, study_id, host, pid, machine, backend, artifacts, started_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
              [w.id, studyId, w.host, w.pid, w.machine ?? null, w.backend ?? null, w.artifacts ?? null, now, now]);
          } catch (err) {
            if (sqliteCode(err) === 'SQLITE_CONSTRAINT') throw storeErrors.workerExists(w.id);
            throw err;
          }
          return toWorker((await this.db.get<WorkerRow>('SELECT * FROM workers WHERE id = ?', [w.id]))!);
        }),
        endWorker: guard(async (workerId: string) => {
          await this.db.run('UPDATE workers SET ended_at = ? WHERE id = ? AND study_id = ? AND ended_at IS NULL', [now, workerId, studyId]);
        }),
      };
      try {
        return await this.inTx.run(true, () => fn(tx));
      } finally {
        open = false;
      }
    });
  }

  heartbeat(lease: Lease): Promise<boolean> {
    return this.write('heartbeat', async (at) => {
      const { changes } = await this.db.run(`UPDATE trials SET heartbeat_at = ? WHERE ${LEASED}`, [at, ...leaseParams(lease)]);
      return changes > 0;
    }, { durable: false });
  }

  addEpoch(lease: Lease, m: EpochMetrics): Promise<boolean> {
    return this.write('addEpoch', async () => {
      try {
        const { changes } = await this.db.run(
          `INSERT INTO epochs (trial_id, epoch, train_loss, val_loss, val_accuracy, train_accuracy, sparsity, elapsed_ms, outputs)
           SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM trials WHERE ${LEASED})`,
          [lease.trialId, m.epoch, m.trainLoss, m.valLoss, m.valAccuracy, m.trainAccuracy ?? null, m.sparsity ?? null, m.elapsedMs, json(m.outputs),
            ...leaseParams(lease)]);
        return changes > 0;
      } catch (err) {
        if (sqliteCode(err) === 'SQLITE_CONSTRAINT') throw storeErrors.epochExists(lease.trialId, m.epoch);
        throw err;
      }
    });
  }

  finishTrial(lease: Lease, result: TrialResult): Promise<Trial | undefined> {
    return this.write('finishTrial', async (at) => {
      checkResult(lease.trialId, result);
      const m = result.metrics;
      const { changes } = await this.db.run(
        `UPDATE trials SET state = ?, metrics = ?, val_accuracy = ?, sparsity = ?, sparse_flops = ?, error = ?, finished_at = ? WHERE ${LEASED}`,
        [result.state, m ? encodeMetrics(m) : null, m?.valAccuracy ?? null, m?.sparsity ?? null, m?.sparseFlops ?? null,
          result.error ?? null, at, ...leaseParams(lease)]);
      return changes ? this.trialById(lease.trialId) : undefined;
    });
  }

  workerHeartbeat(workerId: string): Promise<boolean> {
    return this.write('workerHeartbeat', async (at) => {
      const { changes } = await this.db.run('UPDATE workers SET heartbeat_at = ? WHERE id = ? AND ended_at IS NULL', [at, workerId]);
      return changes > 0;
    }, { durable: false });
  }

  /** Checkpoints the WAL into the main file (so the .db alone is complete) and closes. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // Calls made before close() still run; calls made after it are refused at once.
    this.closed = true;
    return this.db.exclusive(async () => {
      // A read-only connection writes nothing, not even a checkpoint (the writer's close does it).
      if (this.readOnly) return this.db.close();
      // Another process may be reading: then the checkpoint is partial, which is fine.
      await this.db.exec('PRAGMA wal_checkpoint(TRUNCATE)').catch((err) => { if (sqliteCode(err) !== 'SQLITE_BUSY') throw err; });
      await this.db.close();
    });
  }

  private read<T>(method: string, fn: () => Promise<T>): Promise<T> {
    return this.op(method, () => this.retryBusy(fn));
  }

  /**
   * One write transaction: BEGIN IMMEDIATE (retried while busy), the clock read under the lock,
   * fn, COMMIT. `durable: false` (heartbeats) commits without waiting for the disk: a heartbeat
   * lost in a power cut is harmless, and with several workers beating often the fsyncs would
   * hold the one write lock most of the time. The next durable commit syncs it anyway (WAL).
   */
  private write<T>(method: string, fn: (now: number) => Promise<T>, o: { durable?: boolean } = {}): Promise<T> {
    if (this.readOnly) {
      return Promise.reject(new StoreError('STORE_READ_ONLY', `the database ${this.file} was opened read-only, for reading; ${method} cannot write to it. Open it without readOnly to change it`));
    }
    return this.op(method, async () => {
      if (!this.checked) await this.checkIntegrity();
      if (o.durable === false) await this.db.exec('PRAGMA synchronous = NORMAL');
      try {
        await this.retryBusy(() => this.db.exec('BEGIN IMMEDIATE'));
        try {
          const out = await fn(this.now());
          await this.db.exec('COMMIT');
          return out;
        } catch (err) {
          await this.db.exec('ROLLBACK').catch(() => undefined);
          throw err;
        }
      } finally {
        if (o.durable === false) await this.db.exec('PRAGMA synchronous = FULL');
      }
    });
  }

  /** Refuses a damaged database before the first write: nothing is written into a file that is already corrupt. */
  private async checkIntegrity(): Promise<void> {
    let problems: string[];
    try {
      problems = (await this.db.all<{ quick_check: string }>('PRAGMA quick_check(5)')).map((r) => Object.values(r)[0] as string);
    } catch (err) {
      problems = [(err as Error).message];
    }
    if (problems.length === 1 && problems[0] === 'ok') { this.checked = true; return; }
    throw new StoreError('DB_CORRUPT',
      `the database ${this.file} is corrupt (PRAGMA quick_check: ${problems.join('; ')}); nothing was written to it. ` +
      `Restore it from a backup, or recover what is readable with \`sqlite3 ${this.file} ".recover" | sqlite3 recovered.db\` and use --db recovered.db`);
  }

  private op<T>(method: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(storeErrors.closed(`the database ${this.file}`));
    if (this.inTx.getStore()) return Promise.reject(storeErrors.txNested(method));
    return this.db.exclusive(fn);
  }

  private retryBusy<T>(fn: () => Promise<T>): Promise<T> {
    return retryBusy(fn, this.lockWaitMs, (seconds) => storeErrors.locked(`the database ${this.file}`, seconds));
  }

  private async patchStudy(studyId: number, patch: StudyPatch, at: number): Promise<void> {
    const columns = studyPatchColumns(patch);
    const sets = ['updated_at = ?', ...columns.map(([c]) => `${c} = ?`)];
    const params = [at, ...columns.map(([, v]) => v)];
    const { changes } = await this.db.run(`UPDATE studies SET ${sets.join(', ')} WHERE id = ?`, [...params, studyId]);
    if (changes === 0) throw storeErrors.studyNotFound(studyId);
  }

  private async insertTrial(studyId: number, t: TrialInsert, at: number): Promise<Trial> {
    checkInsert(t);
    const { next } = (await this.db.get<{ next: number }>('SELECT COALESCE(MAX(number) + 1, 0) AS next FROM trials WHERE study_id = ?', [studyId]))!;
    const { lastID } = await this.db.run(
      `INSERT INTO trials (study_id, number, state, sample, architecture, seed, grp, label, training, attributes, error,
                           started_at, heartbeat_at, finished_at, owner, attempt, told_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [studyId, next, t.state, JSON.stringify(t.sample), json(t.architecture), t.seed, t.group ?? null, t.label ?? null,
        json(t.training), json(t.attributes), t.state === 'failed' ? t.error ?? null : null,
        at, t.state === 'running' ? at : null, t.state === 'failed' ? at : null, t.owner ?? null, t.attempt,
        t.state === 'failed' && t.told ? at : null]);
    return this.trialById(lastID);
  }

  private async trialsOf(studyId: number): Promise<Trial[]> {
    return (await this.db.all<TrialRow>('SELECT * FROM trials WHERE study_id = ? ORDER BY number', [studyId])).map(toTrial);
  }

  private async workersOf(studyId: number): Promise<WorkerInfo[]> {
    return (await this.db.all<WorkerRow>('SELECT * FROM workers WHERE study_id = ? ORDER BY started_at, id', [studyId])).map(toWorker);
  }

  private async trialById(id: number): Promise<Trial> {
    const row = await this.db.get<TrialRow>('SELECT * FROM trials WHERE id = ?', [id]);
    if (!row) throw storeErrors.trialNotFound(id);
    return toTrial(row);
  }
}

/** The fence of every write about a running trial. */
const LEASED = `id = ? AND owner = ? AND attempt = ? AND state = 'running'`;
const leaseParams = (l: Lease) => [l.trialId, l.owner, l.attempt];

