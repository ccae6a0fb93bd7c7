import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { PostgresStore, SqliteStore } from '../../search/index.js';
import { MIGRATIONS } from '../../search/sqlite-schema.js';
import { PG_MIGRATIONS, checkInStep } from '../../search/postgres-schema.js';
import { sqlAt, testPostgres } from '../postgres-server.js';

const server = await testPostgres();
after(() => server.pg?.stop());
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-schema-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** table → column names, of the SQLite schema at `file`. */
function sqliteColumns(file: string): Promise<Record<string, string[]>> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (err) => {
      if (err) return reject(err);
      db.all<{ t: string; c: string }>(`SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid`,
        (e, rows) => db.close(() => (e ? reject(e) : resolve(group(rows)))));
    });
  });
}

function group(rows: { t: string; c: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const r of rows) (out[r.t] ??= []).push(r.c);
  return out;
}

describe('the PostgreSQL schema', () => {
  it('has one migration per SQLite migration, and says which file lacks one', () => {
    assert.equal(PG_MIGRATIONS.length, MIGRATIONS.length, 'add the missing migration to search/postgres-schema.ts');
    assert.throws(() => checkInStep([...MIGRATIONS, 'ALTER TABLE x ADD y'], PG_MIGRATIONS), /postgres-schema\.ts/);
    assert.throws(() => checkInStep(MIGRATIONS, [...PG_MIGRATIONS, 'ALTER TABLE x ADD y']), /sqlite-schema\.ts/);
  });

  it('has the same tables and columns, in the same order, as the SQLite schema at every version', { skip: server.skip && `no PostgreSQL: ${server.skip}` }, async () => {
    for (let v = 1; v <= MIGRATIONS.length; v++) {
      const file = join(dir, `v${v}.db`);
      await (await SqliteStore.open(file, { migrations: MIGRATIONS.slice(0, v) })).close();
      const url = await server.pg!.createSchema();
      await (await PostgresStore.open(url, { migrations: PG_MIGRATIONS.slice(0, v) })).close();
      const pg = group(await sqlAt<{ t: string; c: string }>(url,
        `SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> 'sparsenas_meta' ORDER BY table_name, ordinal_position`));
      assert.deepEqual(pg, await sqliteColumns(file), `schema version ${v}`);
    }
  });
});
