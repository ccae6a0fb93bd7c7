import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A PostgreSQL server for tests and benchmarks: `SPARSENAS_TEST_PG=postgres://…` names an
 * existing server (its user must be allowed to create databases); otherwise a throwaway one
 * is started from the local binaries (initdb + pg_ctl, data in a temporary directory, a free
 * loopback port, fsync off) and stopped by `stop()`. Every test gets a database of its own
 * from `createDatabase()`, dropped again by `stop()`.
 */
export interface TestPostgres {
  /** URL of the maintenance database (`postgres`), as the superuser. */
  readonly adminUrl: string;
  /** True when this process started the server (false with SPARSENAS_TEST_PG). */
  readonly throwaway: boolean;
  /** A new, empty database; returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /**
   * A new, empty schema in one shared database, as a URL whose `options` set the search_path
   * (a few ms, where a database takes ~0.2 s: for the many stores of a conformance suite).
   */
  createSchema(): Promise<string>;
  /** Runs SQL on the maintenance database (e.g. `pg_terminate_backend`). */
  admin<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  stop(): Promise<void>;
}

export interface ThrowawayOptions {
  /** Extra addresses to listen on besides 127.0.0.1 (the multi-host test's veth addresses). */
  listen?: readonly string[];
  /** CIDR ranges allowed in without a password besides loopback (pg_hba.conf `trust`). */
  trust?: readonly string[];
  /** max_connections (default 100). */
  maxConnections?: number;
  /** Keep fsync on, as a real server runs (benchmarks; tests run with fsync off). */
  durable?: boolean;
}

export type PostgresOrSkip = { pg: TestPostgres; skip?: undefined } | { pg?: undefined; skip: string };

let started: Promise<PostgresOrSkip> | undefined;

/**
 * The process's shared test server (started once; `after(() => server.pg?.stop())` in the test
 * file). Resolves with `skip` naming why there is no server, for `it(..., { skip })`.
 */
export function testPostgres(): Promise<PostgresOrSkip> {
  started ??= (async () => {
    const url = process.env['SPARSENAS_TEST_PG'];
    if (url) return { pg: await existing(url) };
    const why = whyNoThrowaway();
    // CI (.ci/run) installs PostgreSQL: there, a missing server is a failure, not a skip.
    if (why && process.env['SPARSENAS_REQUIRE_PG']) throw new Error(`SPARSENAS_REQUIRE_PG is set, but ${why}`);
    if (why) return { skip: why };
    return { pg: await startThrowaway() };
  })();
  return started;
}

/** The local binaries' directory, or undefined (newest of /usr/lib/postgresql/N/bin, then pg_config). */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  }
  const conf = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const dir = conf.status === 0 ? conf.stdout.trim() : '';
  return dir && existsSync(join(dir, 'initdb')) ? dir : undefined;
}

/** Why no throwaway server can be started here, or undefined when one can. */
export function whyNoThrowaway(): string | undefined {
  if (!postgresBinDir()) return 'PostgreSQL is not installed (no initdb in /usr/lib/postgresql/*/bin or pg_config --bindir; `apt-get install postgresql`) and SPARSENAS_TEST_PG is not set';
  if (process.getuid?.() === 0 && postgresUid() === undefined) return 'running as root, and initdb refuses root, but there is no "postgres" user to run it as';
  return undefined;
}

/** Starts a private server; the caller stops it. */
export async function startThrowaway(options: ThrowawayOptions = {}): Promise<TestPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(whyNoThrowaway());
  const dir = mkdtempSync(join(tmpdir(), 'sparsenas-pg-'));
  const data = join(dir, 'data');
  // initdb refuses to run as root: everything then runs as the postgres user, who must own the dirs.
  const uid = process.getuid?.() === 0 ? postgresUid() : undefined;
  if (uid !== undefined) chownSync(dir, uid, uid);
  const as = (cmd: string, args: string[]) => (uid !== undefined ? ['runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args]) as [string, string[]];
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = as(cmd, args);
    execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  };
  try {
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
    for (const cidr of options.trust ?? []) appendFileSync(join(data, 'pg_hba.conf'), `host all all ${cidr} trust\n`);
    let port = 0;
    for (let attempt = 0; ; attempt++) {
      port = await freePort();
      const listen = ['127.0.0.1', ...(options.listen ?? [])].join(',');
      const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=${listen} ${options.durable ? '' : '-c fsync=off -c full_page_writes=off '}-c max_connections=${options.maxConnections ?? 100}`;
      try {
        run('pg_ctl', ['-D', data, '-w', '-t', '30', '-l', join(dir, 'server.log'), '-o', serverOptions, 'start']);
        break;
      } catch (err) {
        if (attempt >= 2) throw err; // another process took the port between the probe and the start
      }
    }
    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    return server(adminUrl, true, async () => {
      run('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start a throwaway PostgreSQL: ${e.stderr?.toString().trim() || e.message}`);
  }
}

async function existing(url: string): Promise<TestPostgres> {
  const admin = new URL(url);
  return server(admin.toString(), false, async () => {});
}

function server(adminUrl: string, throwaway: boolean, shutdown: () => Promise<void>): TestPostgres {
  const created: string[] = [];
  let shared: Promise<string> | undefined;
  let schemas = 0;
  const prefixBase = `sntest_${process.pid}_${Date.now().toString(36)}`;
  const admin = <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => sqlAt<T>(adminUrl, sql, params);
  const self: TestPostgres = {
    adminUrl,
    throwaway,
    admin,
    async createSchema() {
      shared ??= self.createDatabase('schemas');
      const base = await shared;
      const name = `s${schemas++}`;
      await sqlAt(base, `CREATE SCHEMA ${name}`);
      const url = new URL(base);
      url.searchParams.set('options', `-c search_path=${name}`);
      return url.toString();
    },
    async createDatabase(prefix = 'db') {
      const name = `${prefixBase}_${prefix}_${created.length}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      await admin(`CREATE DATABASE "${name}"`);
      created.push(name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async stop() {
      if (!throwaway) {
        for (const name of created) await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => {});
      }
      created.length = 0;
      await shutdown();
    },
  };
  return self;
}

/** Runs one statement at `url` on a connection of its own (in the URL's schema). */
export async function sqlAt<T extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

function postgresUid(): number | undefined {
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}
