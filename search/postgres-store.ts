import { AsyncLocalStorage } from 'node:async_hooks';
import type { StudyDefinition } from './config.js';
import type { Lease, NewWorker, Store, StudyPatch, StudyTransaction, TrialInsert, TrialResult } from './store.js';
import type { EpochMetrics, Study, Trial, WorkerInfo } from './types.js';
import { StoreError } from './errors.js';
import { PgConnection, type PgConnectionOptions, type PgQuery, pgCode, redactUrl } from './postgres-connection.js';
import { PG_MIGRATIONS, checkInStep, migratePostgres } from './postgres-schema.js';
import { type EpochRow, type StudyRow, type TrialRow, type WorkerRow, encodeMetrics, json, studyPatchColumns, toEpoch, toStudy, toTrial, toWorker } from './sqlite-rows.js';
import { checkInsert, checkResult, storeErrors } from './store-errors.js';
import type { StudyDump } from './study-dump.js';
import { importStudyRows, numberedParams } from './study-import.js';

export interface PostgresStoreOptions extends PgConnectionOptions {
  /** Refuse a database that holds no sparsenas schema yet instead of creating it (reading commands). */
  mustExist?: boolean;
  /** The schema's migrations; only tests of the upgrade path pass their own (default PG_MIGRATIONS). */
  migrations?: readonly string[];
}

/**
 * The server's clock in ms since the epoch. Every timestamp the store writes is the server's,
 * so hosts whose clocks disagree still agree on which heartbeat is stale.
 */
const NOW_MS = `(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;
/** The fence of every write about a running trial ($1 trial id, $2 owner, $3 attempt). */
const LEASED = `id = $1 AND owner = $2 AND attempt = $3 AND state = 'running'`;
const leaseParams = (l: Lease) => [l.trialId, l.owner, l.attempt];

/**
 * The Store on a PostgreSQL database (package `pg`), selected with `--db postgres://…`: the
 * same contract, tables and columns as `SqliteStore` (schema in `postgres-schema.ts`), for
 * workers on many hosts sharing one study.
 *
 * `transact` is BEGIN, `SELECT … FOR UPDATE` on the study's row (which orders every
 * transaction on that study, across hosts, as SQLite's BEGIN IMMEDIATE does on one machine),
 * the function, COMMIT; `tx.now` is the server's clock once the lock is held, and every
 * timestamp is the server's. Fenced writes are single statements with the lease in the WHERE
 * clause. No lock outlives a call; `idle_in_transaction_session_timeout` ends a session that
 * stops mid-transaction. Calls from several promises at once each get a pooled connection.
 */
export class PostgresStore implements Store {
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly inTx = new AsyncLocalStorage<true>();
  /** The last fenced write per trial: writes about one trial apply in call order, as on one SQLite connection. */
  private readonly trialQueues = new Map<number, Promise<unknown>>();

  private constructor(private readonly db: PgConnection, readonly url: string) {}

  /** Connects to `url`, checks that it is a sparsenas database (or empty) and migrates it. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const migrations = options.migrations ?? PG_MIGRATIONS;
    if (!options.migrations) checkInStep();
    const db = new PgConnection(url, options);
    try {
      await db.transaction((q) => migratePostgres(q, redactUrl(url), migrations, options.mustExist));
    } catch (err) {
      await db.close().catch(() => undefined);
      if (err instanceof StoreError) throw err;
      throw new StoreError('STORE_OPEN_FAILED', `cannot open the PostgreSQL database ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
    }
    return new PostgresStore(db, url);
  }

  createStudy(name: string, definition: StudyDefinition): Promise<Study> {
    return this.op('createStudy', async () => {
      try {
        const { rows } = await this.db.transaction((q) => q<StudyRow>(
          `INSERT INTO studies (name, definition, state, created_at, updated_at) VALUES ($1, $2, 'running', ${NOW_MS}, ${NOW_MS}) RETURNING *`,
          [name, JSON.stringify(definition)]));
        return toStudy(rows[0]!);
      } catch (err) {
        if (pgCode(err) === '23505') throw storeErrors.studyExists(name);
        throw err;
      }
    });
  }

  getStudy(name: string): Promise<Study | undefined> {
    return this.op('getStudy', async () => {
      const { rows } = await this.db.query<StudyRow>('SELECT * FROM studies WHERE name = $1', [name]);
      return rows[0] && toStudy(rows[0]);
    });
  }

  listStudies(): Promise<Study[]> {
    return this.op('listStudies', async () => (await this.db.query<StudyRow>('SELECT * FROM studies ORDER BY id')).rows.map(toStudy));
  }

  updateStudy(studyId: number, patch: StudyPatch): Promise<void> {
    // Setting the same values twice is harmless: rerun after a lost COMMIT.
    return this.op('updateStudy', () => this.db.transaction((q) => patchStudy(q, studyId, patch, NOW_MS), { afterCommitLoss: 'rerun' }));
  }

  deleteStudy(studyId: number): Promise<void> {
    return this.op('deleteStudy', () => this.db.transaction(async (q, attempt) => {
      // Trials, epochs and workers go with it: ON DELETE CASCADE.
      const { rowCount } = await q('DELETE FROM studies WHERE id = $1', [studyId]);
      // Gone on a rerun after a lost COMMIT: that was this call.
      if (rowCount === 0 && attempt === 0) throw storeErrors.studyNotFound(studyId);
    }, { afterCommitLoss: 'rerun' }));
  }

  renameStudy(studyId: number, name: string): Promise<void> {
    return this.op('renameStudy', async () => {
      try {
        await this.db.transaction(async (q) => {
          const { rowCount } = await q(`UPDATE studies SET name = $1, updated_at = ${NOW_MS} WHERE id = $2`, [name, studyId]);
          if (rowCount === 0) throw storeErrors.studyNotFound(studyId);
        });
      } catch (err) {
        if (pgCode(err) === '23505') throw storeErrors.studyExists(name);
        throw err;
      }
    });
  }

  importStudy(dump: StudyDump): Promise<Study> {
    return this.op('importStudy', () => this.db.transaction(async (q) => {
      const id = await importStudyRows(async (sql, params) => (await q(numberedParams(sql), params)).rows, dump);
      return toStudy((await q<StudyRow>('SELECT * FROM studies WHERE id = $1', [id])).rows[0]!);
    }));
  }

  getTrials(studyId: number): Promise<Trial[]> {
    return this.op('getTrials', () => trialsOf(this.db.query.bind(this.db) as PgQuery, studyId));
  }

  getTrial(studyId: number, number: number): Promise<Trial | undefined> {
    return this.op('getTrial', async () => {
      const { rows } = await this.db.query<TrialRow>('SELECT * FROM trials WHERE study_id = $1 AND number = $2', [studyId, number]);
      return rows[0] && toTrial(rows[0]);
    });
  }

  getEpochs(trialId: number): Promise<EpochMetrics[]> {
    return this.op('getEpochs', async () => (await this.db.query<EpochRow>('SELECT * FROM epochs WHERE trial_id = $1 ORDER BY epoch', [trialId])).rows.map(toEpoch));
  }

  getWorkers(studyId: number): Promise<WorkerInfo[]> {
    return this.op('getWorkers', () => workersOf(this.db.query.bind(this.db) as PgQuery, studyId));
  }

  transact<T>(studyId: number, fn: (tx: StudyTransaction) => Promise<T>): Promise<T> {
    return this.op('transact', () => {
      // Until `fn` starts, a lost connection is simply retried; after, `fn` (a strategy's
      // ask and tell) must not run twice: the caller gets STORE_CONNECTION_LOST, nothing stored.
      let started = false;
      return this.db.transaction(async (q) => {
        const { rows: [locked] } = await q<{ now: number }>(`SELECT ${NOW_MS} AS now FROM studies WHERE id = $1 FOR UPDATE`, [studyId]);
        if (!locked) throw storeErrors.studyNotFound(studyId);
        started = true;
        const now = locked.now;
        let open = true;
        const guard = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => (...a: A): Promise<R> => (open ? f(...a) : Promise.reject(storeErrors.txEnded()));
        const tx: StudyTransaction = {
          now,
          getStudy: guard(async () => toStudy((await q<StudyRow>('SELECT * FROM studies WHERE id = $1', [studyId])).rows[0]!)),
          getTrials: guard(() => trialsOf(q, studyId)),
          getWorkers: guard(() => workersOf(q, studyId)),
          updateStudy: guard((patch: StudyPatch) => patchStudy(q, studyId, patch, now)),
          insertTrial: guard((trial: TrialInsert) => insertTrial(q, studyId, trial, now)),
          claimTrial: guard(async (trialId: number, owner: string) => {
            const { rows } = await q<TrialRow>(
              `UPDATE trials SET state = 'running', owner = $1, started_at = $2, heartbeat_at = $2 WHERE id = $3 AND study_id = $4 AND state = 'waiting' RETURNING *`,
              [owner, now, trialId, studyId]);
            return rows[0] && toTrial(rows[0]);
          }),
          interruptTrial: guard(async (trialId: number, error: string) => {
            const { rows } = await q<TrialRow>(
              `UPDATE trials SET state = 'interrupted', error = $1, finished_at = $2 WHERE id = $3 AND study_id = $4 AND state = 'running' RETURNING *`,
              [error, now, trialId, studyId]);
            return rows[0] && toTrial(rows[0]);
          }),
          markTold: guard(async (trialIds: readonly number[]) => {
            if (!trialIds.length) return;
            await q(`UPDATE trials SET told_at = $1 WHERE id = ANY($2::bigint[]) AND study_id = $3 AND told_at IS NULL AND state NOT IN ('waiting', 'running')`,
              [now, trialIds, studyId]);
          }),
          registerWorker: guard(async (w: NewWorker) => {
            // ON CONFLICT, not a caught unique violation: a failed statement would abort the transaction.
            const { rows } = await q<WorkerRow>(
              `INSERT INTO workers (id, study_id, host, pid, machine, backend, artifacts, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
               ON CONFLICT (id) DO NOTHING RETURNING *`,
              [w.id, studyId, w.host, w.pid, w.machine ?? null, w.backend ?? null, w.artifacts ?? null, now]);
            if (!rows[0]) throw storeErrors.workerExists(w.id);
            return toWorker(rows[0]);
          }),
          endWorker: guard(async (workerId: string) => {
            await q('UPDATE workers SET ended_at = $1 WHERE id = $2 AND study_id = $3 AND ended_at IS NULL', [now, workerId, studyId]);
          }),
        };
        try {
          return await this.inTx.run(true, () => fn(tx));
        } finally {
          open = false;
        }
      }, { rerun: () => !started });
    });
  }

  heartbeat(lease: Lease): Promise<boolean> {
    return this.fenced('heartbeat', lease, async () =>
      (await this.db.query(`UPDATE trials SET heartbeat_at = ${NOW_MS} WHERE ${LEASED}`, leaseParams(lease))).rowCount > 0);
  }

  addEpoch(lease: Lease, m: EpochMetrics): Promise<boolean> {
    const values = [m.epoch, m.trainLoss, m.valLoss, m.valAccuracy, m.trainAccuracy ?? null, m.sparsity ?? null, m.elapsedMs, json(m.outputs)];
    return this.fenced('addEpoch', lease, () => this.db.transaction(async (q, attempt) => {
      const { rowCount } = await q(
        `INSERT INTO epochs (trial_id, epoch, train_loss, val_loss, val_accuracy, train_accuracy, sparsity, elapsed_ms, outputs)
         SELECT $1, $4, $5, $6, $7, $8, $9, $10, $11 WHERE EXISTS (SELECT 1 FROM trials WHERE ${LEASED})
         ON CONFLICT (trial_id, epoch) DO NOTHING`,
        [...leaseParams(lease), ...values]);
      if (rowCount > 0) return true;
      const { rows: [held] } = await q(`SELECT 1 FROM trials WHERE ${LEASED}`, leaseParams(lease));
      if (!held) return false;
      // The row is there: stored before, or by this very call when a lost COMMIT made it rerun.
      const { rows: [same] } = await q(
        `SELECT 1 FROM epochs WHERE trial_id = $1 AND epoch = $2 AND train_loss IS NOT DISTINCT FROM $3 AND val_loss IS NOT DISTINCT FROM $4
           AND val_accuracy IS NOT DISTINCT FROM $5 AND train_accuracy IS NOT DISTINCT FROM $6 AND sparsity IS NOT DISTINCT FROM $7
           AND elapsed_ms IS NOT DISTINCT FROM $8 AND outputs IS NOT DISTINCT FROM $9`,
        [lease.trialId, ...values]);
      if (attempt > 0 && same) return true;
      throw storeErrors.epochExists(lease.trialId, m.epoch);
    }, { afterCommitLoss: 'rerun' }));
  }

  finishTrial(lease: Lease, result: TrialResult): Promise<Trial | undefined> {
    return this.fenced('finishTrial', lease, async () => {
      checkResult(lease.trialId, result);
      const m = result.metrics;
      return this.db.transaction(async (q, attempt) => {
        const { rows } = await q<TrialRow>(
          `UPDATE trials SET state = $4, metrics = $5, val_accuracy = $6, sparsity = $7, sparse_flops = $8, error = $9, finished_at = ${NOW_MS}
           WHERE ${LEASED} RETURNING *`,
          [...leaseParams(lease), result.state, m ? encodeMetrics(m) : null, m?.valAccuracy ?? null, m?.sparsity ?? null, m?.sparseFlops ?? null, result.error ?? null]);
        if (rows[0]) return toTrial(rows[0]);
        if (attempt === 0) return undefined;
        // A rerun after a lost COMMIT: if the row ended as this call asked, the first run stored it.
        const { rows: [row] } = await q<TrialRow>(
          `SELECT * FROM trials WHERE id = $1 AND owner = $2 AND attempt = $3 AND state = $4 AND error IS NOT DISTINCT FROM $5 AND metrics IS NOT DISTINCT FROM $6`,
          [...leaseParams(lease), result.state, result.error ?? null, m ? encodeMetrics(m) : null]);
        return row && toTrial(row);
      }, { afterCommitLoss: 'rerun' });
    });
  }

  workerHeartbeat(workerId: string): Promise<boolean> {
    return this.op('workerHeartbeat', async () =>
      (await this.db.query(`UPDATE workers SET heartbeat_at = ${NOW_MS} WHERE id = $1 AND ended_at IS NULL`, [workerId])).rowCount > 0);
  }

  /** Lets the calls made before it finish, then closes the pool; later calls are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.db.close();
  }

  /** A write about one leased trial, queued behind the earlier writes about the same trial. */
  private fenced<T>(method: string, lease: Lease, fn: () => Promise<T>): Promise<T> {
    const before = this.trialQueues.get(lease.trialId) ?? Promise.resolve();
    const p = this.op(method, () => before.then(fn, fn));
    const tail = p.catch(() => undefined);
    this.trialQueues.set(lease.trialId, tail);
    void tail.then(() => { if (this.trialQueues.get(lease.trialId) === tail) this.trialQueues.delete(lease.trialId); });
    return p;
  }

  private op<T>(method: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(storeErrors.closed(`the PostgreSQL store ${redactUrl(this.url)}`));
    // A call on the store from inside transact() would wait for a second connection while the
    // first holds the study's lock: refused at once, as in every store.
    if (this.inTx.getStore()) return Promise.reject(storeErrors.txNested(method));
    const p = fn();
    this.inFlight.add(p);
    void p.then(() => this.inFlight.delete(p), () => this.inFlight.delete(p));
    return p;
  }
}

/** `at`: a ms value, or the NOW_MS expression for writes outside a transaction. */
async function patchStudy(q: PgQuery, studyId: number, patch: StudyPatch, at: number | string): Promise<void> {
  const params: unknown[] = [];
  const param = (v: unknown) => { params.push(v); return `$${params.length}`; };
  const sets = [`updated_at = ${typeof at === 'number' ? param(at) : at}`, ...studyPatchColumns(patch).map(([c, v]) => `${c} = ${param(v)}`)];
  const { rowCount } = await q(`UPDATE studies SET ${sets.join(', ')} WHERE id = ${param(studyId)}`, params);
  if (rowCount === 0) throw storeErrors.studyNotFound(studyId);
}

/** Numbered under the study row's lock (held by `transact`), so numbers stay dense across hosts. */
async function insertTrial(q: PgQuery, studyId: number, t: TrialInsert, at: number): Promise<Trial> {
  checkInsert(t);
  const { rows } = await q<TrialRow>(
    `INSERT INTO trials (study_id, number, state, sample, architecture, seed, grp, label, training, attributes, error,
                         started_at, heartbeat_at, finished_at, owner, attempt, told_at)
     SELECT $1, COALESCE(MAX(number) + 1, 0), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 FROM trials WHERE study_id = $1
     RETURNING *`,
    [studyId, t.state, JSON.stringify(t.sample), json(t.architecture), t.seed, t.group ?? null, t.label ?? null,
      json(t.training), json(t.attributes), t.state === 'failed' ? t.error ?? null : null,
      at, t.state === 'running' ? at : null, t.state === 'failed' ? at : null, t.owner ?? null, t.attempt,
      t.state === 'failed' && t.told ? at : null]);
  return toTrial(rows[0]!);
}

async function trialsOf(q: PgQuery, studyId: number): Promise<Trial[]> {
  return (await q<TrialRow>('SELECT * FROM trials WHERE study_id = $1 ORDER BY number', [studyId])).rows.map(toTrial);
}

async function workersOf(q: PgQuery, studyId: number): Promise<WorkerInfo[]> {
  return (await q<WorkerRow>('SELECT * FROM workers WHERE study_id = $1 ORDER BY started_at, id', [studyId])).rows.map(toWorker);
}
