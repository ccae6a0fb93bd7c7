import sqlite3 from 'sqlite3';

export type SqlParams = readonly (string | number | null)[];

/**
 * Promise wrapper over one `sqlite3.Database` connection (the package's API is callbacks).
 *
 * sqlite3 runs statements on a thread pool and only orders them inside `db.serialize()`;
 * a Store operation is several statements with JavaScript between them (read the next trial
 * number, then insert), so ordering statements is not enough. `exclusive` queues whole
 * operations instead: one runs at a time, in call order, and a transaction can never
 * interleave with another caller's statements on the same connection.
 */
export class SqliteConnection {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly db: sqlite3.Database) {}

  static open(file: string, mode: number): Promise<SqliteConnection> {
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(file, mode, (err) => (err ? reject(err) : resolve(new SqliteConnection(db))));
    });
  }

  /** Runs `fn` after every operation queued before it, and before any queued after it. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  run(sql: string, params: SqlParams = []): Promise<{ lastID: number; changes: number }> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, function (err) {
        if (err) reject(err);
        else resolve({ lastID: this.lastID, changes: this.changes });
      });
    });
  }

  get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      this.db.get<T>(sql, params, (err, row) => (err ? reject(err) : resolve(row)));
    });
  }

  all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.db.all<T>(sql, params, (err, rows) => (err ? reject(err) : resolve(rows)));
    });
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.db.exec(sql, (err) => (err ? reject(err) : resolve()));
    });
  }

  /**
   * BEGIN IMMEDIATE takes the write lock up front, so another process cannot slip a write
   * between our read and our write (e.g. two processes numbering trials). Call inside `exclusive`.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.exec('BEGIN IMMEDIATE');
    try {
      const out = await fn();
      await this.exec('COMMIT');
      return out;
    } catch (err) {
      await this.exec('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  configureBusyTimeout(ms: number): void {
    this.db.configure('busyTimeout', ms);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }
}

export const OPEN_READWRITE = sqlite3.OPEN_READWRITE;
export const OPEN_CREATE = sqlite3.OPEN_CREATE;
export const OPEN_READONLY = sqlite3.OPEN_READONLY;
/** With it, `open` takes a `file:` URI (`?immutable=1`, `?mode=ro`). */
export const OPEN_URI = sqlite3.OPEN_URI;

/**
 * Retries what failed with SQLITE_BUSY (a failed statement changed nothing) until `waitMs` has
 * passed, then throws `onTimeout(seconds)`. The busy timeout makes each statement wait a few
 * seconds on its own; this covers a lock held longer (a burst of workers, a paused process).
 */
export async function retryBusy<T>(fn: () => Promise<T>, waitMs: number, onTimeout: (seconds: number) => Error): Promise<T> {
  const start = Date.now();
  for (let pause = 5; ; pause = Math.min(pause * 2, 200)) {
    try {
      return await fn();
    } catch (err) {
      if (sqliteCode(err) !== 'SQLITE_BUSY') throw err;
      if (Date.now() - start >= waitMs) throw onTimeout(Math.round((Date.now() - start) / 1000));
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

/** sqlite3 errors carry the SQLite result code name, e.g. `SQLITE_CONSTRAINT`. */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
