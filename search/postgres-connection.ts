import pg from 'pg';
import { StoreError } from './errors.js';

export type PgParams = readonly unknown[];

/** One statement runner: the pool (a read) or the client of a transaction. */
export interface PgQuery {
  <T extends pg.QueryResultRow>(sql: string, params?: PgParams): Promise<{ rows: T[]; rowCount: number }>;
}

export interface PgConnectionOptions {
  /** Connections per process (default 3: a worker's heartbeat, its epoch rows and a reader). */
  max?: number;
  /** Shown in `pg_stat_activity.application_name` (default `sparsenas`). */
  applicationName?: string;
  /**
   * The server ends a session left idle inside a transaction this long and releases its locks
   * (default 60 s), so a client paused or cut off mid-transaction cannot block the other hosts.
   * Transactions here last milliseconds; keep it above the longest strategy call made inside one.
   */
  idleInTransactionMs?: number;
  /** How long to keep retrying while the server cannot be reached (default 30 s). */
  reconnectForMs?: number;
  /** Called with errors of idle connections (the server restarted, a proxy dropped them). */
  onIdleError?: (err: Error) => void;
}

export interface PgTransactionOptions {
  /** Asked after a lost connection (before COMMIT): may `fn` run again? Default yes. */
  rerun?: () => boolean;
  /** After a connection lost during COMMIT: run `fn` again, or throw STORE_COMMIT_UNKNOWN (default). */
  afterCommitLoss?: 'rerun' | 'throw';
}

/** PostgreSQL's int8 (ids, ms timestamps, counts) as a JS number: our values stay below 2^53. */
const INT8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * A small `pg.Pool` with the failure handling a long-lived worker needs:
 * - an `'error'` handler on the pool and on every checked-out client, so a connection that the
 *   server or the network drops while idle is discarded instead of crashing the process;
 * - TCP keepalive on both sides (`keepAlive`, `tcp_keepalives_idle`), so a dead peer is noticed;
 * - reads and transactions retried on a fresh connection when the connection is lost, for up to
 *   `reconnectForMs`. A transaction is retried only when it failed before its COMMIT was sent
 *   (the server then rolled it back); a connection lost during COMMIT leaves its outcome
 *   unknown, which is reported (`STORE_COMMIT_UNKNOWN`), never guessed.
 */
export class PgConnection {
  private readonly pool: pg.Pool;
  private readonly reconnectForMs: number;

  constructor(readonly url: string, options: PgConnectionOptions = {}) {
    this.reconnectForMs = options.reconnectForMs ?? 30_000;
    this.pool = new pg.Pool({
      connectionString: withSessionOptions(url),
      max: options.max ?? 3,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: options.applicationName ?? 'sparsenas',
      idle_in_transaction_session_timeout: options.idleInTransactionMs ?? 60_000,
      types,
    });
    const onIdleError = options.onIdleError ?? (() => {});
    this.pool.on('error', (err) => onIdleError(err));
  }

  /** One statement outside a transaction (reads and single idempotent writes); retried on connection loss. */
  query<T extends pg.QueryResultRow>(sql: string, params: PgParams = []): Promise<{ rows: T[]; rowCount: number }> {
    return this.retrying(async () => {
      const client = await this.connect();
      try {
        const r = await client.query<T>(sql, params as unknown[]);
        client.release();
        return { rows: r.rows, rowCount: r.rowCount ?? 0 };
      } catch (err) {
        client.release(isConnectionError(err) ? (err as Error) : undefined);
        throw err;
      }
    });
  }

  /**
   * Runs `fn` in one transaction (READ COMMITTED; callers take the row locks they need with
   * `SELECT … FOR UPDATE`). After a lost connection `fn` runs again on a fresh one, with
   * `attempt` counting the runs, while `rerun()` says it may (default: always; `fn` must then
   * do nothing but queries). A connection lost while COMMIT was on its way leaves the outcome
   * unknown: with `afterCommitLoss: 'rerun'` `fn` runs again and must recognise its own earlier
   * success (`attempt > 0`); by default that is STORE_COMMIT_UNKNOWN. A connection lost once
   * `rerun()` said no is STORE_CONNECTION_LOST: the server rolled everything back.
   */
  transaction<T>(fn: (q: PgQuery, attempt: number) => Promise<T>, options: PgTransactionOptions = {}): Promise<T> {
    let attempt = 0;
    return this.retrying(async () => {
      const client = await this.connect();
      let committing = false;
      try {
        await client.query('BEGIN');
        const q: PgQuery = async <R extends pg.QueryResultRow>(sql: string, params: PgParams = []) => {
          const r = await client.query<R>(sql, params as unknown[]);
          return { rows: r.rows, rowCount: r.rowCount ?? 0 };
        };
        const out = await fn(q, attempt++);
        committing = true;
        await client.query('COMMIT');
        client.release();
        return out;
      } catch (err) {
        const lost = isConnectionError(err);
        if (!lost) await client.query('ROLLBACK').catch(() => undefined);
        client.release(lost ? (err as Error) : undefined);
        if (lost && committing && options.afterCommitLoss !== 'rerun') {
          throw new StoreError('STORE_COMMIT_UNKNOWN', `the connection to ${redactUrl(this.url)} was lost while a transaction committed, so whether it was stored is unknown: ${(err as Error).message}`, { cause: err });
        }
        if (!lost && isSerializationFailure(err) && options.rerun && !options.rerun()) {
          throw new StoreError('STORE_CONFLICT', `a transaction on ${redactUrl(this.url)} was rolled back by the server (${(err as Error).message}); nothing of it was stored, try again`, { cause: err });
        }
        if (lost && !committing && options.rerun && !options.rerun()) {
          throw new StoreError('STORE_CONNECTION_LOST', `the connection to ${redactUrl(this.url)} was lost during a transaction, which the server rolled back (nothing of it was stored): ${(err as Error).message}`, { cause: err });
        }
        throw err;
      }
    });
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  /** A checked-out client with an error listener: a drop while we hold it must not be an unhandled 'error'. */
  private async connect(): Promise<pg.PoolClient> {
    const client = await this.pool.connect();
    if (!client.listenerCount('error')) client.on('error', () => {});
    return client;
  }

  private async retrying<T>(fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.reconnectForMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const retry = isConnectionError(err) || isSerializationFailure(err);
        if (!retry || err instanceof StoreError) throw translate(err, this.url);
        if (Date.now() >= deadline) throw unreachable(err, this.url, this.reconnectForMs);
        // The first retry is immediate (a dropped idle connection; the pool opens a new one).
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
      }
    }
  }
}

/**
 * The URL with our session settings added to its `options` (a connection string's `options`
 * replaces the one in the pool's config, so they are merged here; PGOPTIONS is kept too).
 * Server side keepalive probes an idle client after 10 s, so a host that vanished is dropped.
 */
function withSessionOptions(url: string): string {
  const ours = '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url; // pg reports the malformed URL itself
  }
  const theirs = [process.env['PGOPTIONS'], u.searchParams.get('options')].filter(Boolean).join(' ');
  u.searchParams.set('options', theirs ? `${theirs} ${ours}` : ours);
  return u.toString();
}

/** SQLSTATE (or Node socket code) of a driver error. */
export function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Connection-level failures: the session is gone (the work it did in an open transaction with it). */
export function isConnectionError(err: unknown): boolean {
  const code = pgCode(err);
  // 53300: too many connections (the server is full): transient like a lost connection.
  if (code && (/^08/.test(code) || ['57P01', '57P02', '57P03', '25P03', '53300', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'].includes(code))) return true;
  const message = (err as Error | null)?.message ?? '';
  return /Connection terminated|connection error and is not queryable|Client was closed|timeout exceeded when trying to connect|server closed the connection/i.test(message);
}

/** Serialization failure or deadlock: the server rolled the transaction back; running it again is safe. */
function isSerializationFailure(err: unknown): boolean {
  return pgCode(err) === '40001' || pgCode(err) === '40P01';
}

function translate(err: unknown, url: string): unknown {
  const code = pgCode(err);
  if (code === '3D000') return new StoreError('DB_NOT_FOUND', `the PostgreSQL database of ${redactUrl(url)} does not exist; create it (\`createdb NAME\`) or fix the URL`, { cause: err });
  if (code === '28P01' || code === '28000') return new StoreError('STORE_OPEN_FAILED', `PostgreSQL refused the login for ${redactUrl(url)}: ${(err as Error).message}; check the user and password in the URL (or PGPASSWORD / ~/.pgpass)`, { cause: err });
  return err;
}

function unreachable(err: unknown, url: string, ms: number): StoreError {
  return new StoreError('STORE_UNREACHABLE', `cannot reach the PostgreSQL server of ${redactUrl(url)} (tried for ${Math.round(ms / 1000)} s): ${(err as Error).message}; check that it runs and that this host may connect (listen_addresses, pg_hba.conf, firewall)`, { cause: err });
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}
