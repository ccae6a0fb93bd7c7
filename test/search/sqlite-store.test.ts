import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { SCHEMA_VERSION, SqliteStore } from '../../search/index.js';
import { MIGRATIONS } from '../../search/sqlite-schema.js';
import { describeStoreConformance } from './store-conformance.js';
import { architecture, definition, epoch, fullMetrics, leaseOf, storeTrial } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'sparsenas-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `db-${files++}.db`);

describeStoreConformance('SqliteStore (file)', (now) => SqliteStore.open(freshFile(), { now }), {
  makePair: async () => {
    const file = freshFile();
    return [await SqliteStore.open(file), await SqliteStore.open(file)];
  },
});
describeStoreConformance('SqliteStore (:memory:)', (now) => SqliteStore.open(':memory:', { now }));

/** Runs raw SQL on a file with a separate sqlite3 connection. */
function raw(file: string, sql: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, (err) => {
      if (err) return reject(err);
      db.all(sql, (e, rows) => db.close(() => (e ? reject(e) : resolve(rows))));
    });
  });
}

const rejectsWith = (p: Promise<unknown>, code: string, text: string) =>
  assert.rejects(p, (err: { code?: string; message: string }) => err.code === code && err.message.includes(text));

describe('SqliteStore', () => {
  it('keeps everything across close and reopen', async () => {
    const file = freshFile();
    let store = await SqliteStore.open(file);
    const s = await store.createStudy('persist', definition({ seed: 5 }));
    const t = await storeTrial(store, s.id, { sample: { units: 8 }, architecture: architecture(8), seed: 11, group: 'g' });
    await store.addEpoch(leaseOf(t), epoch(0));
    const done = await store.finishTrial(leaseOf(t), { state: 'completed', metrics: fullMetrics() });
    const running = await storeTrial(store, s.id, { sample: {}, architecture: null, seed: 12 });
    await store.updateStudy(s.id, { strategyState: { cursor: 2 } });
    await store.close();
    assert.equal(existsSync(`${file}-wal`), false, 'close checkpoints the WAL into the .db file');

    store = await SqliteStore.open(file);
    const study = (await store.getStudy('persist'))!;
    assert.equal(study.definition.seed, 5);
    assert.deepEqual(study.strategyState, { cursor: 2 });
    assert.deepEqual(await store.getTrials(s.id), [done, running]);
    assert.deepEqual(await store.getEpochs(t.id), [epoch(0)]);
    assert.equal((await storeTrial(store, s.id, { sample: {}, architecture: null, seed: 13 })).number, 2);
    await store.close();
  });

  it('uses WAL, foreign keys and a versioned schema, with denormalised metric columns', async () => {
    const file = freshFile();
    const store = await SqliteStore.open(file);
    const s = await store.createStudy('sql', definition());
    await storeTrial(store, s.id, { sample: {}, architecture: architecture(), seed: 1 }, { state: 'completed', metrics: fullMetrics(0.75) });
    await store.close();
    assert.deepEqual(await raw(file, 'PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
    assert.deepEqual(await raw(file, 'PRAGMA user_version'), [{ user_version: SCHEMA_VERSION }]);
    assert.deepEqual(await raw(file, 'SELECT state, val_accuracy, sparsity, sparse_flops FROM trials'),
      [{ state: 'completed', val_accuracy: 0.75, sparsity: 0.9, sparse_flops: 5088 }]);
  });

  it('refuses a database written by a newer sparsenas and leaves it unchanged', async () => {
    const file = freshFile();
    await (await SqliteStore.open(file)).close();
    await raw(file, `PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    const before = readFileSync(file);
    await rejectsWith(SqliteStore.open(file), 'STORE_SCHEMA_TOO_NEW', `schema version ${SCHEMA_VERSION + 1}`);
    assert.ok(readFileSync(file).equals(before));
  });

  it('upgrades an older database through the later migrations, keeping its data', async () => {
    const file = freshFile();
    const old = await SqliteStore.open(file);
    const s = await old.createStudy('old', definition());
    await storeTrial(old, s.id, { sample: { units: 8 }, architecture: null, seed: 3 });
    await old.close();
    const next = [...MIGRATIONS, 'ALTER TABLE trials ADD COLUMN note TEXT', `UPDATE trials SET note = 'migrated'`];
    const upgraded = await SqliteStore.open(file, { migrations: next });
    assert.equal((await upgraded.getTrial(s.id, 0))!.seed, 3);
    await upgraded.close();
    assert.deepEqual(await raw(file, 'PRAGMA user_version'), [{ user_version: SCHEMA_VERSION + 2 }]);
    assert.deepEqual(await raw(file, 'SELECT note FROM trials'), [{ note: 'migrated' }]);
    // ...and this version of the code now refuses it
    await rejectsWith(SqliteStore.open(file), 'STORE_SCHEMA_TOO_NEW', `up to ${SCHEMA_VERSION}`);
  });

  it('upgrades a version-1 database (before test results): its studies read back and take test results', async () => {
    const file = freshFile();
    const v1 = await SqliteStore.open(file, { migrations: MIGRATIONS.slice(0, 1) });
    const s = await v1.createStudy('v1', definition());
    await v1.close();
    assert.deepEqual(await raw(file, 'PRAGMA user_version'), [{ user_version: 1 }]);
    const upgraded = await SqliteStore.open(file);
    assert.equal((await upgraded.getStudy('v1'))!.testResults, undefined);
    await upgraded.updateStudy(s.id, { testResults: { 0: { testAccuracy: 0.75, testLoss: 0.5, evaluatedAt: 9 } } });
    assert.deepEqual((await upgraded.getStudy('v1'))!.testResults, { 0: { testAccuracy: 0.75, testLoss: 0.5, evaluatedAt: 9 } });
    await upgraded.close();
    assert.deepEqual(await raw(file, 'PRAGMA user_version'), [{ user_version: SCHEMA_VERSION }]);
  });

  it('upgrades a version-2 database (before epoch outputs): its epochs read back and new ones take outputs', async () => {
    const file = freshFile();
    const v2 = await SqliteStore.open(file, { migrations: MIGRATIONS.slice(0, 2) });
    const s = await v2.createStudy('v2', definition());
    await v2.close();
    // What the version-2 code wrote (it knew no outputs column).
    await raw(file, `INSERT INTO trials (study_id, number, state, sample, architecture, seed, started_at, finished_at)
      VALUES (${s.id}, 0, 'completed', '{}', '${JSON.stringify(architecture())}', 1, 100, 200)`);
    const [{ id }] = (await raw(file, 'SELECT id FROM trials')) as [{ id: number }];
    const e = epoch(0);
    await raw(file, `INSERT INTO epochs (trial_id, epoch, train_loss, val_loss, val_accuracy, train_accuracy, sparsity, elapsed_ms)
      VALUES (${id}, 0, ${e.trainLoss}, ${e.valLoss}, ${e.valAccuracy}, ${e.trainAccuracy}, ${e.sparsity}, ${e.elapsedMs})`);
    assert.deepEqual(await raw(file, 'PRAGMA user_version'), [{ user_version: 2 }]);
    const upgraded = await SqliteStore.open(file);
    assert.deepEqual(await upgraded.getEpochs(id), [epoch(0)]);
    const t = await storeTrial(upgraded, s.id, { sample: {}, architecture: architecture(), seed: 2 });
    await upgraded.addEpoch(leaseOf(t), { ...epoch(1), outputs: { lambda: 2 } });
    assert.deepEqual(await upgraded.getEpochs(t.id), [{ ...epoch(1), outputs: { lambda: 2 } }]);
    await upgraded.close();
    assert.deepEqual(await raw(file, 'SELECT epoch, outputs FROM epochs ORDER BY epoch'), [{ epoch: 0, outputs: null }, { epoch: 1, outputs: '{"lambda":2}' }]);
    assert.deepEqual(await raw(file, 'PRAGMA user_version'), [{ user_version: SCHEMA_VERSION }]);
  });


  it('upgrades a version-3 database (before the trial protocol) keeping epochs, redo chains and killed trials', async () => {
    const file = freshFile();
    const v3 = await SqliteStore.open(file, { migrations: MIGRATIONS.slice(0, 3) });
    const s = await v3.createStudy('v3', definition());
    await v3.close();
    // Rows as the version-3 code wrote them: a completed trial, one interrupted and redone twice
    // (the second redo still running when its process was killed).
    const arch = JSON.stringify(architecture());
    await raw(file, `INSERT INTO trials (study_id, number, state, sample, architecture, seed, attributes, started_at, finished_at, heartbeat_at) VALUES
      (${s.id}, 0, 'completed', '{"units":1}', '${arch}', 11, NULL, 100, 200, 100),
      (${s.id}, 1, 'interrupted', '{"units":2}', '${arch}', 12, NULL, 200, 300, 200),
      (${s.id}, 2, 'interrupted', '{"units":2}', '${arch}', 12, '{"redoOf":1}', 300, 400, 300),
      (${s.id}, 3, 'running', '{"units":2}', '${arch}', 12, '{"redoOf":2}', 400, NULL, 450)`);
    await raw(file, `INSERT INTO epochs (trial_id, epoch, train_loss, val_loss, val_accuracy, elapsed_ms)
      SELECT id, 0, 1, 1, 0.5, 1 FROM trials`);
    const store = await SqliteStore.open(file);
    const trials = await store.getTrials(s.id);
    assert.deepEqual(trials.map((t) => [t.number, t.state, t.attempt, t.toldAt, t.owner]),
      [[0, 'completed', 1, 200, undefined], [1, 'interrupted', 1, 300, undefined], [2, 'interrupted', 2, 400, undefined], [3, 'running', 3, undefined, undefined]]);
    for (const t of trials) assert.deepEqual((await store.getEpochs(t.id)).map((e) => e.epoch), [0], 'rebuilding trials kept its epochs');
    assert.deepEqual(await store.getWorkers(s.id), []);
    const redo = await store.transact(s.id, (tx) => tx.insertTrial({ sample: { units: 2 }, architecture: architecture(), seed: 12, state: 'waiting', attempt: 4 }));
    assert.equal(redo.number, 4);
    await store.deleteStudy(s.id);
    await store.close();
    assert.deepEqual(await raw(file, 'SELECT count(*) AS n FROM epochs'), [{ n: 0 }], 'foreign keys (cascade) are on again');
    assert.deepEqual(await raw(file, 'PRAGMA user_version'), [{ user_version: SCHEMA_VERSION }]);
  });

  it('leaves the file at its old version when a migration fails', async () => {
    const file = freshFile();
    await (await SqliteStore.open(file)).close();
    await assert.rejects(SqliteStore.open(file, { migrations: [...MIGRATIONS, 'ALTER TABLE trials ADD COLUMN x TEXT', 'NOT SQL'] }));
    assert.deepEqual(await raw(file, 'PRAGMA user_version'), [{ user_version: SCHEMA_VERSION }]);
    assert.equal((await raw(file, `SELECT name FROM pragma_table_info('trials') WHERE name = 'x'`)).length, 0);
  });

  it('refuses files that are not sparsenas databases and leaves them byte-identical', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'this is not a database, just some notes\n'.repeat(10));
    const foreign = join(dir, 'other-app.sqlite');
    await raw(foreign, 'CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
    await raw(foreign, `INSERT INTO customers (name) VALUES ('Ada')`);
    for (const file of [text, foreign]) {
      const before = readFileSync(file);
      await rejectsWith(SqliteStore.open(file), 'STORE_NOT_SPARSENAS', file);
      assert.ok(readFileSync(file).equals(before), `${file} changed`);
    }
    await rejectsWith(SqliteStore.open(dir), 'STORE_NOT_SPARSENAS', 'is a directory');
  });

  it('initialises an empty file and creates missing directories', async () => {
    const empty = join(dir, 'empty.db');
    writeFileSync(empty, '');
    const nested = join(dir, 'a', 'b', 'nested.db');
    for (const file of [empty, nested]) {
      const store = await SqliteStore.open(file);
      await store.createStudy('x', definition());
      await store.close();
      assert.equal((await (await SqliteStore.open(file)).listStudies()).length, 1);
    }
  });

  it('serialises concurrent writes from two stores on the same file', async () => {
    const file = freshFile();
    const a = await SqliteStore.open(file);
    const b = await SqliteStore.open(file);
    const s = await a.createStudy('shared', definition());
    const created = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      storeTrial(i % 2 ? a : b, s.id, { sample: { i }, architecture: null, seed: i })));
    await Promise.all(created.map((t, i) => (i % 2 ? b : a).finishTrial(leaseOf(t), { state: 'completed', metrics: fullMetrics(i / 30) })));
    const trials = await a.getTrials(s.id);
    assert.deepEqual(trials.map((t) => t.number), Array.from({ length: 30 }, (_, i) => i));
    assert.deepEqual(new Set(trials.map((t) => t.seed)).size, 30);
    assert.ok(trials.every((t) => t.state === 'completed'));
    await Promise.all([a.close(), b.close()]);
  });
});
