import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PostgresStore, SCHEMA_VERSION } from '../../search/index.js';
import { PgConnection } from '../../search/postgres-connection.js';
import { PG_MIGRATIONS } from '../../search/postgres-schema.js';
import { describeStoreConformance } from './store-conformance.js';
import { architecture, definition, epoch, fullMetrics, leaseOf, storeTrial } from './fixtures.js';
import { sqlAt, testPostgres } from '../postgres-server.js';

const server = await testPostgres();
const skip = server.skip && `no PostgreSQL for these tests: ${server.skip}`;
after(() => server.pg?.stop());
const fresh = () => server.pg!.createSchema();

describeStoreConformance('PostgresStore', async () => PostgresStore.open(await fresh()), {
  skip,
  clock: 'server',
  makePair: async () => {
    const url = await fresh();
    return [await PostgresStore.open(url), await PostgresStore.open(url)];
  },
});

const raw = sqlAt;

const rejectsWith = (p: Promise<unknown>, code: string, text: string) =>
  assert.rejects(p, (err: { code?: string; message: string }) => err.code === code && err.message.includes(text));
const dump = async (url: string) => JSON.stringify(await raw(url, `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2`))
  + JSON.stringify(await raw(url, `SELECT * FROM sparsenas_meta`).catch(() => []));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('PostgresStore', { skip }, () => {
  it('keeps everything across close and reopen, in a versioned schema with metric columns', async () => {
    const url = await fresh();
    let store = await PostgresStore.open(url);
    const s = await store.createStudy('persist', definition({ seed: 5 }));
    const t = await storeTrial(store, s.id, { sample: { units: 8 }, architecture: architecture(8), seed: 2 ** 40, group: 'g' });
    await store.addEpoch(leaseOf(t), epoch(0));
    const done = (await store.finishTrial(leaseOf(t), { state: 'completed', metrics: fullMetrics(0.75) }))!;
    const running = await storeTrial(store, s.id, { sample: {}, architecture: null, seed: 12 });
    await store.transact(s.id, (tx) => tx.registerWorker({ id: 'h:1:a', host: 'h', pid: 1 }));
    await store.updateStudy(s.id, { strategyState: { cursor: 2 } });
    await store.close();

    store = await PostgresStore.open(url);
    const study = (await store.getStudy('persist'))!;
    assert.equal(study.definition.seed, 5);
    assert.deepEqual(study.strategyState, { cursor: 2 });
    assert.deepEqual(await store.getTrials(s.id), [done, running]);
    assert.equal(done.seed, 2 ** 40, 'a seed past 32 bits survives (BIGINT, parsed as a number)');
    assert.deepEqual(await store.getEpochs(t.id), [epoch(0)]);
    assert.deepEqual((await store.getWorkers(s.id)).map((w) => w.id), ['h:1:a']);
    assert.equal((await storeTrial(store, s.id, { sample: {}, architecture: null, seed: 13 })).number, 2);
    await store.close();
    assert.deepEqual(await raw(url, 'SELECT application, schema_version FROM sparsenas_meta'), [{ application: 'sparsenas', schema_version: SCHEMA_VERSION }]);
    assert.deepEqual(await raw(url, `SELECT state, val_accuracy, sparsity, sparse_flops FROM trials WHERE number = 0`),
      [{ state: 'completed', val_accuracy: 0.75, sparsity: 0.9, sparse_flops: 5088 }]);
  });

  it('stamps times with the server clock, never the client one', async () => {
    const store = await PostgresStore.open(await fresh());
    const realNow = Date.now;
    const before = realNow();
    try {
      Date.now = () => 0; // a host whose clock is 56 years off
      const s = await store.createStudy('clock', definition());
      const { now, t } = await store.transact(s.id, async (tx) => ({ now: tx.now, t: await tx.insertTrial({ sample: {}, architecture: null, seed: 1, state: 'running', owner: 'w', attempt: 1 }) }));
      await store.heartbeat(leaseOf(t));
      const done = (await store.finishTrial(leaseOf(t), { state: 'failed', error: 'x' }))!;
      const w = await store.transact(s.id, (tx) => tx.registerWorker({ id: 'w', host: 'h', pid: 1 }));
      await store.workerHeartbeat('w');
      const [beat] = await store.getWorkers(s.id);
      Date.now = realNow;
      for (const at of [s.createdAt, now, done.startedAt, done.heartbeatAt!, done.finishedAt!, w.startedAt, beat!.heartbeatAt]) {
        assert.ok(at >= before - 5_000 && at <= realNow() + 5_000, `${at} is the server's time`);
      }
    } finally {
      Date.now = realNow;
      await store.close();
    }
  });

  it('refuses a schema holding another program\'s tables, and leaves it unchanged', async () => {
    const url = await fresh();
    await raw(url, 'CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
    await raw(url, `INSERT INTO customers VALUES (1, 'Ada')`);
    const before = await dump(url);
    await rejectsWith(PostgresStore.open(url), 'STORE_NOT_SPARSENAS', 'customers');
    assert.equal(await dump(url), before);
    assert.deepEqual(await raw(url, 'SELECT name FROM customers'), [{ name: 'Ada' }]);
  });

  it('refuses a database written by a newer sparsenas and leaves it unchanged', async () => {
    const url = await fresh();
    await (await PostgresStore.open(url)).close();
    await raw(url, 'UPDATE sparsenas_meta SET schema_version = $1', [SCHEMA_VERSION + 1]);
    const before = await dump(url);
    await rejectsWith(PostgresStore.open(url), 'STORE_SCHEMA_TOO_NEW', `schema version ${SCHEMA_VERSION + 1}`);
    assert.equal(await dump(url), before);
  });

  it('upgrades a version-1 database through the later migrations, keeping its data', async () => {
    const url = await fresh();
    const v1 = await PostgresStore.open(url, { migrations: PG_MIGRATIONS.slice(0, 1) });
    const s = await v1.createStudy('v1', definition());
    await v1.close();
    await raw(url, `INSERT INTO trials (study_id, number, state, sample, seed, started_at) VALUES ($1, 0, 'completed', '{"units":8}', 3, 100)`, [s.id]);
    assert.deepEqual(await raw(url, 'SELECT schema_version FROM sparsenas_meta'), [{ schema_version: 1 }]);
    const upgraded = await PostgresStore.open(url);
    assert.equal((await upgraded.getTrial(s.id, 0))!.seed, 3);
    await upgraded.updateStudy(s.id, { testResults: { 0: { testAccuracy: 0.75, testLoss: 0.5, evaluatedAt: 9 } } });
    assert.deepEqual((await upgraded.getStudy('v1'))!.testResults, { 0: { testAccuracy: 0.75, testLoss: 0.5, evaluatedAt: 9 } });
    const t = await storeTrial(upgraded, s.id, { sample: {}, architecture: architecture(), seed: 2 });
    await upgraded.addEpoch(leaseOf(t), { ...epoch(1), outputs: { lambda: 2 } });
    assert.deepEqual(await upgraded.getEpochs(t.id), [{ ...epoch(1), outputs: { lambda: 2 } }], 'migration 3: epochs keep outputs');
    await upgraded.close();
    assert.deepEqual(await raw(url, 'SELECT schema_version FROM sparsenas_meta'), [{ schema_version: SCHEMA_VERSION }]);
  });

  it('upgrades a version-3 database (before the trial protocol) keeping epochs, redo chains and killed trials', async () => {
    const url = await fresh();
    const v3 = await PostgresStore.open(url, { migrations: PG_MIGRATIONS.slice(0, 3) });
    const s = await v3.createStudy('v3', definition());
    await v3.close();
    // Rows as the version-3 code wrote them: a completed trial, one interrupted and redone twice
    // (the second redo still running when its process was killed).
    const arch = JSON.stringify(architecture());
    await raw(url, `INSERT INTO trials (study_id, number, state, sample, architecture, seed, attributes, started_at, finished_at, heartbeat_at) VALUES
      ($1, 0, 'completed', '{"units":1}', $2, 11, NULL, 100, 200, 100),
      ($1, 1, 'interrupted', '{"units":2}', $2, 12, NULL, 200, 300, 200),
      ($1, 2, 'interrupted', '{"units":2}', $2, 12, '{"redoOf":1}', 300, 400, 300),
      ($1, 3, 'running', '{"units":2}', $2, 12, '{"redoOf":2}', 400, NULL, 450)`, [s.id, arch]);
    await raw(url, `INSERT INTO epochs (trial_id, epoch, train_loss, val_loss, val_accuracy, elapsed_ms) SELECT id, 0, 1, 1, 0.5, 1 FROM trials`);
    const store = await PostgresStore.open(url);
    const trials = await store.getTrials(s.id);
    assert.deepEqual(trials.map((t) => [t.number, t.state, t.attempt, t.toldAt, t.owner]),
      [[0, 'completed', 1, 200, undefined], [1, 'interrupted', 1, 300, undefined], [2, 'interrupted', 2, 400, undefined], [3, 'running', 3, undefined, undefined]]);
    for (const t of trials) assert.deepEqual((await store.getEpochs(t.id)).map((e) => e.epoch), [0]);
    assert.deepEqual(await store.getWorkers(s.id), []);
    const redo = await store.transact(s.id, (tx) => tx.insertTrial({ sample: { units: 2 }, architecture: architecture(), seed: 12, state: 'waiting', attempt: 4 }));
    assert.equal(redo.number, 4);
    await store.deleteStudy(s.id);
    await store.close();
    assert.deepEqual(await raw(url, 'SELECT count(*)::int AS n FROM epochs'), [{ n: 0 }], 'deleting cascades');
    assert.deepEqual(await raw(url, 'SELECT schema_version FROM sparsenas_meta'), [{ schema_version: SCHEMA_VERSION }]);
  });

  it('leaves the database at its old version when a migration fails', async () => {
    const url = await fresh();
    await (await PostgresStore.open(url)).close();
    await assert.rejects(PostgresStore.open(url, { migrations: [...PG_MIGRATIONS, 'ALTER TABLE trials ADD COLUMN x TEXT', 'NOT SQL'] }));
    assert.deepEqual(await raw(url, 'SELECT schema_version FROM sparsenas_meta'), [{ schema_version: SCHEMA_VERSION }]);
    assert.deepEqual(await raw(url, `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'x'`), []);
  });

  it('with mustExist, refuses a database without sparsenas data and creates nothing', async () => {
    const url = await fresh();
    await rejectsWith(PostgresStore.open(url, { mustExist: true }), 'DB_NOT_FOUND', 'holds no sparsenas data');
    assert.deepEqual(await raw(url, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`), []);
  });

  it('names a database that does not exist and an unreachable server', async () => {
    const missing = new URL(server.pg!.adminUrl);
    missing.pathname = '/no_such_database';
    await rejectsWith(PostgresStore.open(missing.toString()), 'DB_NOT_FOUND', 'does not exist');
    await rejectsWith(PostgresStore.open('postgres://nobody:secret@127.0.0.1:1/x', { reconnectForMs: 300 }), 'STORE_UNREACHABLE', 'postgres://nobody:***@127.0.0.1:1/x');
  });

  it('migrates once when many hosts open a new database at the same moment', async () => {
    const url = await fresh();
    const stores = await Promise.all(Array.from({ length: 8 }, () => PostgresStore.open(url)));
    const s = await stores[0]!.createStudy('shared', definition());
    const created = await Promise.all(Array.from({ length: 40 }, (_, i) => storeTrial(stores[i % 8]!, s.id, { sample: { i }, architecture: null, seed: i })));
    await Promise.all(created.map((t, i) => stores[(i + 3) % 8]!.finishTrial(leaseOf(t), { state: 'completed', metrics: fullMetrics(i / 40) })));
    const trials = await stores[1]!.getTrials(s.id);
    assert.deepEqual(trials.map((t) => t.number), Array.from({ length: 40 }, (_, i) => i));
    assert.equal(new Set(trials.map((t) => t.seed)).size, 40);
    await Promise.all(stores.map((st) => st.close()));
    assert.deepEqual(await raw(url, 'SELECT count(*)::int AS n FROM sparsenas_meta'), [{ n: 1 }]);
  });

  it('survives the server dropping its idle connections, and carries on', async () => {
    const idleErrors: Error[] = [];
    const store = await PostgresStore.open(await fresh(), { applicationName: 'sparsenas-idle-test', onIdleError: (e) => idleErrors.push(e) });
    try {
      const s = await store.createStudy('idle', definition());
      const { n } = (await server.pg!.admin<{ n: number }>(
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = 'sparsenas-idle-test'`))[0]!;
      assert.ok(n >= 1, 'the store had an idle connection to cut');
      for (let i = 0; i < 50 && idleErrors.length === 0; i++) await sleep(20);
      assert.ok(idleErrors.length >= 1, 'the pool reported the dropped connection instead of crashing the process');
      const t = await storeTrial(store, s.id, { sample: {}, architecture: null, seed: 1 });
      assert.equal(t.number, 0);
      // Cut again, and use it at once: the read is retried on a fresh connection.
      await server.pg!.admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sparsenas-idle-test'`);
      assert.equal((await store.getTrials(s.id)).length, 1);
    } finally {
      await store.close();
    }
  });

  it('sets idle_in_transaction_session_timeout, so a client stuck in a transaction cannot hold a lock', async () => {
    const url = await fresh();
    const store = await PostgresStore.open(url);
    const stuck = new PgConnection(url, { idleInTransactionMs: 300, reconnectForMs: 0 });
    try {
      assert.deepEqual((await stuck.query('SHOW idle_in_transaction_session_timeout')).rows, [{ idle_in_transaction_session_timeout: '300ms' }]);
      const s = await store.createStudy('locked', definition());
      // A "paused host": it locks the study row, then stops talking inside the transaction.
      const holding = stuck.transaction(async (q) => {
        await q('SELECT 1 FROM studies WHERE id = $1 FOR UPDATE', [s.id]);
        await sleep(1500);
        await q('SELECT 1');
      });
      holding.catch(() => {});
      await sleep(50);
      const t = await storeTrial(store, s.id, { sample: {}, architecture: null, seed: 1 });
      assert.equal(t.number, 0, 'the lock was released when the server ended the stuck session');
      await assert.rejects(holding, 'the stuck client learns that its transaction is gone');
    } finally {
      await store.close();
      await stuck.close();
    }
  });
});
