import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryStore, PostgresStore, SparsenasError, SqliteStore } from '../search/index.js';
import type { Store } from '../search/index.js';
import { redactUrl } from '../search/postgres-connection.js';
import { UsageError } from './errors.js';

/** Where a study lives, from `--db`: a SQLite file, a private in-memory store, or a PostgreSQL database. */
export type DbLocation =
  | { kind: 'sqlite'; file: string }
  | { kind: 'memory' }
  | { kind: 'postgres'; url: string };

/** What `--db` accepts, for help texts and the refusal of anything else. */
export const DB_FORMS = 'a file path (SQLite), :memory:, or postgres://user@host:port/database (also postgresql://)';
const POSTGRES_SCHEMES = ['postgres', 'postgresql'];
const KNOWN_SCHEMES = [...POSTGRES_SCHEMES, 'file'];

/**
 * Reads a `--db` value. A URL scheme sparsenas does not know (`mysql://…`, `sqlite:/x`) is
 * refused, never taken for a file name: `postgres:/…` mistyped once created a directory named
 * `postgres:`. One-letter "schemes" are Windows drive letters; a file whose name holds a colon
 * is written `./name:x.db`. Relative paths are resolved against `cwd`.
 */
export function parseDb(value: string, cwd = process.cwd()): DbLocation {
  if (value === ':memory:') return { kind: 'memory' };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]+):/.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'sqlite', file: resolve(cwd, value) };
  if (POSTGRES_SCHEMES.includes(scheme)) {
    if (!value.slice(scheme.length + 1).startsWith('//')) throw badDb(value, `a PostgreSQL URL starts with ${scheme}:// (e.g. postgres://user@host:5432/sparsenas)`);
    try {
      new URL(value);
    } catch {
      throw badDb(value, 'it is not a valid URL; percent-encode special characters of the password (@ is %40)');
    }
    return { kind: 'postgres', url: value };
  }
  if (scheme === 'file') {
    try {
      return { kind: 'sqlite', file: fileURLToPath(value) };
    } catch (err) {
      throw badDb(value, (err as Error).message);
    }
  }
  const colonFile = value.includes('//') ? '' : ` (a file name with a colon is written ./${value})`;
  throw badDb(value, `unknown scheme "${scheme}:"; known: ${KNOWN_SCHEMES.map((s) => s + '://').join(', ')}, or a plain file path${colonFile}`);
}

function badDb(value: string, why: string): UsageError {
  return new UsageError(`--db ${redactUrl(value)}: ${why}. --db takes ${DB_FORMS}`);
}

/** The text of a location for messages (never a password). */
export function describeDb(db: DbLocation): string {
  return db.kind === 'sqlite' ? db.file : db.kind === 'memory' ? ':memory:' : redactUrl(db.url);
}

/**
 * Opens a store: a SQLite file (created if absent, unless `mustExist`), ':memory:', a
 * PostgreSQL database (its tables created if it has none, unless `mustExist`), or passes an
 * open Store through. Reading commands pass `mustExist` so a typo never creates anything, and
 * `readOnly` so a SQLite file is opened read-only and never written (a 0444 file, a read-only
 * directory or filesystem can be read; see `openDatabaseReadOnly`).
 */
export async function openStore(db: string | Store, options: { mustExist?: boolean; readOnly?: boolean; cwd?: string } = {}): Promise<Store> {
  if (typeof db === 'object') return db;
  const where = parseDb(db, options.cwd);
  switch (where.kind) {
    case 'memory': return new MemoryStore();
    case 'postgres': return PostgresStore.open(where.url, { mustExist: options.mustExist });
    case 'sqlite':
      if (options.mustExist && !existsSync(where.file)) {
        throw new SparsenasError('DB_NOT_FOUND', `database ${where.file} does not exist; pass the file a search wrote with --db (default ./sparsenas.db)`);
      }
      return SqliteStore.open(where.file, { readOnly: options.readOnly });
  }
}

/**
 * Where a study's trained weights go by default. Beside a database file: `runs.db` →
 * `runs.artifacts/<study>/trial-N`. For a PostgreSQL database there is no file to sit
 * beside: `./<database name>.artifacts/<study>` on the host that trains the trial (pass
 * `--artifacts` with a directory every host can read to share them). None for ':memory:'.
 */
export function artifactsDirFor(db: string | Store | undefined, study: string, cwd = process.cwd()): string | undefined {
  if (typeof db === 'object') return undefined;
  const where = parseDb(db ?? 'sparsenas.db', cwd);
  if (where.kind === 'memory') return undefined;
  if (where.kind === 'postgres') {
    // libpq's default: the database named like the user.
    const u = new URL(where.url);
    const name = decodeURIComponent(u.pathname.slice(1)) || decodeURIComponent(u.username) || 'postgres';
    return studyArtifactsDir(join(cwd, encodeURIComponent(name) + '.artifacts'), study);
  }
  return studyArtifactsDir(join(dirname(where.file), basename(where.file).replace(/\.[^.]*$/, '') + '.artifacts'), study);
}

/**
 * A study's directory under an artifacts root (`--artifacts DIR`: `DIR/<study>/trial-N`).
 * A study name is free text: encoded, it stays one directory level ("a/../b" cannot escape).
 */
export function studyArtifactsDir(root: string, study: string): string {
  return join(root, encodeURIComponent(study).replace(/^\.\.?$/, (dots) => dots.replace(/\./g, '%2E')));
}
