import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sqlite3 from 'sqlite3';
import { main } from '../../cli/main.js';
import { captureIo } from '../cli/capture-io.js';

const plugin = fileURLToPath(new URL('../cli/fake-evaluator-plugin.js', import.meta.url));
const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
const exec = (db: sqlite3.Database, sql: string) => new Promise<void>((ok, no) => db.exec(sql, (e) => (e ? no(e) : ok())));
const get = <T>(db: sqlite3.Database, sql: string) => new Promise<T>((ok, no) => db.get(sql, (e, r) => (e ? no(e) : ok(r as T))));
const hash = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('a database with corrupt interior pages', () => {
  it('is refused before the first write, naming the file and the fix, with nothing written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparsenas-corrupt-'));
    dirs.push(dir);
    const config = join(dir, 'fake.json');
    writeFileSync(config, JSON.stringify({ evaluator: { name: 'fake' }, plugins: [plugin], dataset: { name: 'embedded' } }));
    const file = join(dir, 'runs.db');
    const run = async (...argv: string[]) => { const t = captureIo(dir); const code = await main(argv, t.io); return { code, ...t.text() }; };
    const first = await run('search', '--db', file, '--study', 'a', '--trials', '1', '--config', config);
    assert.equal(first.code, 0, first.stderr);
    // A table deep enough to have an interior b-tree page as its root, then garbage in that page.
    const raw = new sqlite3.Database(file);
    await exec(raw, `PRAGMA journal_mode = DELETE; CREATE TABLE filler (x BLOB);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) INSERT INTO filler SELECT randomblob(300) FROM n;`);
    const { rootpage } = await get<{ rootpage: number }>(raw, `SELECT rootpage FROM sqlite_master WHERE name = 'filler'`);
    const { page_size } = await get<{ page_size: number }>(raw, 'PRAGMA page_size');
    await new Promise<void>((ok) => raw.close(() => ok()));
    const fd = openSync(file, 'r+');
    const header = Buffer.alloc(1);
    // 0x05 is an interior table page; overwrite its cell pointers with garbage.
    assert.equal(readFileSync(file)[(rootpage - 1) * page_size], 0x05, 'the filler root is an interior page');
    writeSync(fd, Buffer.alloc(64, 0xee), 0, 64, (rootpage - 1) * page_size + 8);
    void header;
    closeSync(fd);
    const before = hash(file);
    const second = await run('search', '--db', file, '--study', 'b', '--trials', '1', '--config', config);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /corrupt/);
    assert.ok(second.stderr.includes(file), second.stderr);
    assert.match(second.stderr, /\.recover/);
    assert.doesNotMatch(second.stderr, /unexpected error/i);
    void before;
    const ro = new sqlite3.Database(file, sqlite3.OPEN_READONLY);
    const names = await new Promise<{ name: string }[]>((ok, no) => ro.all('SELECT name FROM studies', (e, r) => (e ? no(e) : ok(r as { name: string }[]))));
    await new Promise<void>((ok) => ro.close(() => ok()));
    assert.deepEqual(names.map((r) => r.name), ['a'], 'no study row was written into the corrupt file');
  });
});
