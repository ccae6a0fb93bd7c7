import { W_OK, X_OK } from 'node:constants';
import { accessSync, closeSync, existsSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StoreError } from './errors.js';
import { OPEN_CREATE, OPEN_READONLY, OPEN_READWRITE, OPEN_URI, SqliteConnection, retryBusy, sqliteCode } from './sqlite-connection.js';

/**
 * `PRAGMA application_id` of a sparsenas database ("SpNs"). It sits in the file header, so
 * a sparsenas database is recognisable without guessing from table names.
 */
export const APPLICATION_ID = 0x53704e73;

/**
 * Ordered migrations: MIGRATIONS[i] takes the schema from version i to i + 1
 * (`PRAGMA user_version`). Only ever append; a released migration never changes.
 * States are readable strings; JSON columns hold JSON text; val_accuracy, sparsity and
 * sparse_flops copy the final metrics so plain SQL can sort and filter trials.
 */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE studies (
     id             INTEGER PRIMARY KEY,
     name           TEXT NOT NULL UNIQUE,
     definition     TEXT NOT NULL,
     state          TEXT NOT NULL CHECK (state IN ('running', 'finished', 'stopped', 'interrupted')),
     created_at     INTEGER NOT NULL,
     updated_at     INTEGER NOT NULL,
     data_checksums TEXT,
     backend        TEXT,
     strategy_state TEXT
   );
   CREATE TABLE trials (
     id           INTEGER PRIMARY KEY,
     study_id     INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
     number       INTEGER NOT NULL,
     state        TEXT NOT NULL CHECK (state IN ('running', 'completed', 'pruned', 'failed', 'interrupted')),
     sample       TEXT NOT NULL,
     architecture TEXT,
     seed         INTEGER NOT NULL,
     grp          TEXT,
     label        TEXT,
     training     TEXT,
     attributes   TEXT,
     metrics      TEXT,
     val_accuracy REAL,
     sparsity     REAL,
     sparse_flops REAL,
     error        TEXT,
     started_at   INTEGER NOT NULL,
     finished_at  INTEGER,
     heartbeat_at INTEGER,
     UNIQUE (study_id, number)
   );
   CREATE INDEX trials_by_state ON trials (study_id, state);
   CREATE TABLE epochs (
     trial_id       INTEGER NOT NULL REFERENCES trials (id) ON DELETE CASCADE,
     epoch          INTEGER NOT NULL,
     train_loss     REAL,
     val_loss       REAL,
     val_accuracy   REAL,
     train_accuracy REAL,
     sparsity       REAL,
     elapsed_ms     REAL,
     PRIMARY KEY (trial_id, epoch)
   );`,
  // 2: test-split results of the best trials, measured after the search (JSON by trial number).
  `ALTER TABLE studies ADD COLUMN test_results TEXT;`,
  // 3: a training method's per-epoch outputs (JSON object; NULL for epochs without any).
  `ALTER TABLE epochs ADD COLUMN outputs TEXT;`,
  // 4: the trial protocol for several workers. Trials gain the `waiting` state, a lease (owner,
  // attempt) and told_at; a `workers` table; the run's start and the test phase's holder on the
  // study. SQLite cannot change a CHECK constraint, so trials are rebuilt (the 12 steps of
  // https://www.sqlite.org/lang_altertable.html#otheralter; `migrate` turns foreign keys off
  // around it and runs foreign_key_check before committing). Finished trials were told (told_at
  // = their end); the attempt of a redo is one more than that of the trial it redoes (redoOf).
  `CREATE TABLE trials_rebuilt (
     id           INTEGER PRIMARY KEY,
     study_id     INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
     number       INTEGER NOT NULL,
     state        TEXT NOT NULL CHECK (state IN ('waiting', 'running', 'completed', 'pruned', 'failed', 'interrupted')),
     sample       TEXT NOT NULL,
     architecture TEXT,
     seed         INTEGER NOT NULL,
     grp          TEXT,
     label        TEXT,
     training     TEXT,
     attributes   TEXT,
     metrics      TEXT,
     val_accuracy REAL,
     sparsity     REAL,
     sparse_flops REAL,
     error        TEXT,
     started_at   INTEGER NOT NULL,
     finished_at  INTEGER,
     heartbeat_at INTEGER,
     owner        TEXT,
     attempt      INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),
     told_at      INTEGER,
     UNIQUE (study_id, number)
   );
   INSERT INTO trials_rebuilt (id, study_id, number, state, sample, architecture, seed, grp, label, training, attributes, metrics,
                          val_accuracy, sparsity, sparse_flops, error, started_at, finished_at, heartbeat_at, told_at)
     SELECT id, study_id, number, state, sample, architecture, seed, grp, label, training, attributes, metrics,
            val_accuracy, sparsity, sparse_flops, error, started_at, finished_at, heartbeat_at,
            CASE WHEN state = 'running' THEN NULL ELSE COALESCE(finished_at, started_at) END
     FROM trials;
   WITH RECURSIVE chain (id, attempt) AS (
     SELECT id, 1 FROM trials_rebuilt WHERE json_extract(attributes, '$.redoOf') IS NULL
     UNION ALL
     SELECT t.id, chain.attempt + 1 FROM chain
       JOIN trials_rebuilt p ON p.id = chain.id
       JOIN trials_rebuilt t ON t.study_id = p.study_id AND json_extract(t.attributes, '$.redoOf') = p.number
   )
   UPDATE trials_rebuilt SET attempt = (SELECT MAX(attempt) FROM chain WHERE chain.id = trials_rebuilt.id)
     WHERE id IN (SELECT id FROM chain WHERE attempt > 1);
   DROP TABLE trials;
   ALTER TABLE trials_rebuilt RENAME TO trials;
   CREATE INDEX trials_by_state ON trials (study_id, state);
   ALTER TABLE studies ADD COLUMN run_started_at INTEGER;
   ALTER TABLE studies ADD COLUMN tester TEXT;
   CREATE TABLE workers (
     id           TEXT PRIMARY KEY,
     study_id     INTEGER NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
     host         TEXT NOT NULL,
     pid          INTEGER NOT NULL,
     machine      TEXT,
     started_at   INTEGER NOT NULL,
     heartbeat_at INTEGER NOT NULL,
     ended_at     INTEGER
   );
   CREATE INDEX workers_by_study ON workers (study_id);`,
  // 5: where a worker trains (workers on many hosts): its backend, and the directory its trials'
  // weights go to on its host, so export and the test phase can say which host has them.
  `ALTER TABLE workers ADD COLUMN backend TEXT;
   ALTER TABLE workers ADD COLUMN artifacts TEXT;`,
];
export const SCHEMA_VERSION = MIGRATIONS.length;

const SQLITE_HEADER = 'SQLite format 3\0';

/**
 * Opens `file` as a sparsenas database, creating it when missing, and migrates it to
 * SCHEMA_VERSION. Anything that is not a sparsenas database (another program's SQLite file,
 * a text file) or comes from a newer sparsenas is refused before the first write, so a
 * wrong `--db` path never damages the file it points at.
 */
export async function openDatabase(file: string, busyTimeoutMs: number, migrations: readonly string[] = MIGRATIONS, lockWaitMs = 120_000): Promise<SqliteConnection> {
  const inMemory = file === ':memory:' || file === '';
  const exists = !inMemory && existsSync(file);
  if (exists) checkHeader(file);
  else if (!inMemory) mkdirSync(dirname(file), { recursive: true });

  let db: SqliteConnection;
  try {
    db = await SqliteConnection.open(file, OPEN_READWRITE | (exists ? 0 : OPEN_CREATE));
  } catch (err) {
    throw new StoreError('STORE_OPEN_FAILED', `cannot open the database ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    db.configureBusyTimeout(busyTimeoutMs);
    // Other processes may hold the lock (workers starting together): wait for it, as every write does.
    const busy = <T>(fn: () => Promise<T>) => retryBusy(fn, lockWaitMs, (s) => new StoreError('STORE_LOCKED', `the database ${file} stayed locked by another process for ${s} s while opening; a worker may be stuck inside a transaction. Stop it, or wait and try again`));
    await busy(() => checkIdentity(db, file, migrations.length));
    // Only now that the file is known to be ours may anything write to it.
    await busy(() => db.exec('PRAGMA journal_mode = WAL'));
    // FULL: a commit is on disk when its promise resolves (the Store contract), also on power loss.
    await db.exec('PRAGMA synchronous = FULL');
    // Off while migrating: rebuilding a table (migration 4) drops the old one, which with foreign
    // keys on would cascade into its epochs. The pragma is a no-op inside a transaction.
    await db.exec('PRAGMA foreign_keys = OFF');
    await busy(() => migrate(db, file, migrations));
    await db.exec('PRAGMA foreign_keys = ON');
    return db;
  } catch (err) {
    await db.close().catch(() => undefined);
    if (err instanceof StoreError) throw err;
    if (sqliteCode(err) === 'SQLITE_NOTADB') throw notOurs(file, 'it is not an SQLite database');
    throw new StoreError('STORE_OPEN_FAILED', `cannot open the database ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Opens an existing sparsenas database for reading only (`list studies`, `leaderboard`, `report`,
 * `export`, `watch`): SQLITE_OPEN_READONLY, and no pragma, migration or checkpoint that writes,
 * so a file without write permission (0444) reads the same every time. In a directory SQLite
 * cannot create files in (read-only directory or filesystem), a WAL database cannot get its
 * `-shm` index; it is then opened `immutable=1` (nobody can be writing to it there: a writer
 * needs the same files), as is a file nobody may write (no write bit; root aside). A database
 * older than this sparsenas is upgraded first when the file and its directory are writable (as a
 * read-write open would); otherwise the error names the file and says to open it once with
 * write access.
 */
export async function openDatabaseReadOnly(file: string, busyTimeoutMs: number, migrations: readonly string[] = MIGRATIONS, lockWaitMs = 120_000): Promise<SqliteConnection> {
  if (file === ':memory:' || file === '') return openDatabase(file, busyTimeoutMs, migrations, lockWaitMs);
  checkHeader(file);
  let opened = await openForReading(file, busyTimeoutMs, migrations.length);
  if (opened.version < migrations.length) {
    await opened.db.close();
    const readOnly = whyReadOnly(file);
    if (readOnly) {
      const what = opened.version === 0 ? 'holds no sparsenas tables yet' : `has schema version ${opened.version}, older than this sparsenas (version ${migrations.length})`;
      throw new StoreError('STORE_NEEDS_UPGRADE', `the database ${file} ${what} and must be upgraded before it can be read, but ${readOnly}, so it was left untouched. ` +
        `Open it once with write access (e.g. \`chmod u+w ${file} ${dirname(file)}\`, or as the file's owner run \`sparsenas list studies --db ${file}\`); after that it reads read-only anywhere`);
    }
    // As a read-write open would: upgrade, then read through a read-only connection as always.
    await (await openDatabase(file, busyTimeoutMs, migrations, lockWaitMs)).close();
    opened = await openForReading(file, busyTimeoutMs, migrations.length);
  }
  return opened.db;
}

async function openForReading(file: string, busyTimeoutMs: number, known: number): Promise<{ db: SqliteConnection; version: number }> {
  const connect = async (target: string, mode: number) => {
    let db: SqliteConnection;
    try {
      db = await SqliteConnection.open(target, mode);
    } catch (err) {
      throw new StoreError('STORE_OPEN_FAILED', `cannot open the database ${file} for reading: ${(err as Error).message}; check its permissions`, { cause: err });
    }
    db.configureBusyTimeout(busyTimeoutMs);
    try {
      return { db, version: await checkIdentity(db, file, known) };
    } catch (err) {
      await db.close().catch(() => undefined);
      if (sqliteCode(err) === 'SQLITE_NOTADB') throw notOurs(file, 'it is not an SQLite database');
      throw err;
    }
  };
  const wal = `${file}-wal`;
  const pendingWal = existsSync(wal) && statSync(wal).size > 0;
  // No pending WAL: the file alone is the whole database, and immutable=1 reads it without an index.
  const immutable = async () => {
    try {
      return await connect(`${pathToFileURL(file).href}?immutable=1`, OPEN_READONLY | OPEN_URI);
    } catch (err) {
      if (err instanceof StoreError) throw err;
      throw new StoreError('STORE_OPEN_FAILED', `cannot read the database ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  // A file without any write permission (0444) cannot change under us, and reading it must not
  // leave -wal/-shm files behind (created 0444 like it, they would keep a later writer out).
  if ((statSync(file).mode & 0o222) === 0 && !pendingWal) return immutable();
  try {
    return await connect(file, OPEN_READONLY);
  } catch (err) {
    // A WAL database needs its -shm index, which SQLite could not create beside the file.
    if (!['SQLITE_READONLY', 'SQLITE_CANTOPEN'].includes(sqliteCode(err) ?? '')) {
      if (err instanceof StoreError) throw err;
      throw new StoreError('STORE_OPEN_FAILED', `cannot read the database ${file}: ${(err as Error).message}`, { cause: err });
    }
    if (pendingWal) {
      throw new StoreError('STORE_OPEN_FAILED', `cannot read the database ${file}: its latest changes are in ${wal}, which SQLite can only read with an index file (${file}-shm) it cannot create in ${dirname(file)}; ` +
        `make the directory writable for one read (\`chmod u+w ${dirname(file)}\`), or copy ${file} with ${wal} to a writable directory`, { cause: err });
    }
    return immutable();
  }
}

/** Why this process cannot write `file` (or create its journal beside it), or undefined if it can. */
function whyReadOnly(file: string): string | undefined {
  const denied = (path: string, mode: number) => { try { accessSync(path, mode); return undefined; } catch (err) { return (err as NodeJS.ErrnoException).code ?? 'denied'; } };
  const f = denied(file, W_OK);
  if (f) return f === 'EROFS' ? `it is on a read-only filesystem` : `the file is not writable (${f})`;
  const d = denied(dirname(file), W_OK | X_OK);
  if (d) return d === 'EROFS' ? `it is on a read-only filesystem` : `its directory ${dirname(file)} is not writable (${d})`;
  return undefined;
}

function checkHeader(file: string): void {
  const stat = statSync(file);
  if (stat.isDirectory()) throw new StoreError('STORE_NOT_SPARSENAS', `${file} is a directory; pass the path of a database file, e.g. ${file}/sparsenas.db`);
  if (stat.size === 0) return; // SQLite treats an empty file as an empty database
  const head = Buffer.alloc(SQLITE_HEADER.length);
  try {
    const fd = openSync(file, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw new StoreError('STORE_OPEN_FAILED', `cannot read the database ${file}: ${(err as Error).message}; check its permissions`, { cause: err });
  }
  if (head.toString('latin1') !== SQLITE_HEADER) throw notOurs(file, 'it is not an SQLite database');
}

/** Refuses another program's or a newer sparsenas's database; returns the schema version (0: empty, ours to initialise). */
async function checkIdentity(db: SqliteConnection, file: string, known: number): Promise<number> {
  const appId = (await db.get<{ application_id: number }>('PRAGMA application_id'))!.application_id;
  const version = (await db.get<{ user_version: number }>('PRAGMA user_version'))!.user_version;
  const objects = (await db.get<{ n: number }>('SELECT count(*) AS n FROM sqlite_master'))!.n;
  if (appId !== APPLICATION_ID) {
    if (objects > 0 || version !== 0 || appId !== 0) throw notOurs(file, 'it is an SQLite database of another program');
    return 0; // an empty database: ours to initialise
  }
  if (version > known) {
    throw new StoreError('STORE_SCHEMA_TOO_NEW', `the database ${file} has schema version ${version}, but this sparsenas knows versions up to ${known}; upgrade sparsenas to open it (the file was left untouched)`);
  }
  return version;
}

async function migrate(db: SqliteConnection, file: string, migrations: readonly string[]): Promise<void> {
  await db.transaction(async () => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const from = (await db.get<{ user_version: number }>('PRAGMA user_version'))!.user_version;
    if (from > migrations.length) throw new StoreError('STORE_SCHEMA_TOO_NEW', `the database ${file} was upgraded to schema version ${from} by a newer sparsenas while opening; upgrade sparsenas`);
    // All steps in one transaction: a failed upgrade leaves the file at its old version.
    for (let v = from; v < migrations.length; v++) await db.exec(migrations[v]!);
    if (from !== migrations.length) {
      const broken = await db.all<{ table: string }>('PRAGMA foreign_key_check');
      if (broken.length) throw new StoreError('STORE_MIGRATION_FAILED', `upgrading the database ${file} left ${broken.length} rows pointing at missing rows (first in table ${broken[0]!.table}); the file was left at its old version`);
    }
    if (from === 0) await db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    if (from !== migrations.length) await db.exec(`PRAGMA user_version = ${migrations.length}`);
  });
}

function notOurs(file: string, why: string): StoreError {
  return new StoreError('STORE_NOT_SPARSENAS', `${file} is not a sparsenas database (${why}); it was left untouched. Pass another --db path`);
}
