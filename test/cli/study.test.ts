import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import { search } from '../../cli/api.js';
import { createContainer } from '../../cli/container.js';
import { listStudies } from '../../cli/query.js';
import { EvaluatorFactory, SqliteStore, dumpStudy } from '../../search/index.js';
import { fakeEvaluatorFactory } from './fake-evaluator.js';
import { captureIo } from './capture-io.js';
import { testPostgres } from '../postgres-server.js';

const server = await testPostgres();
after(() => server.pg?.stop());
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-study-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const t = captureIo(dir);
  const code = await main(argv, t.io);
  return { code, ...t.text() };
}

async function seed(db: string, study: string) {
  const container = await createContainer();
  container.bind(EvaluatorFactory).toConstantValue(fakeEvaluatorFactory);
  await search({ evaluator: { name: 'fake' }, budget: { maxTrials: 3 }, seed: 4 }, { db, study, container });
}

async function dumped(db: string, study: string) {
  const store = await SqliteStore.open(db);
  try {
    return await dumpStudy(store, study);
  } finally {
    await store.close();
  }
}

describe('sparsenas study', () => {
  const laptop = join(dir, 'laptop.db');
  before(() => seed(laptop, 'moving'));

  it('copies a study to PostgreSQL and back, identical, and says where the weights stay', { skip: server.skip && `no PostgreSQL: ${server.skip}` }, async () => {
    mkdirSync(join(dir, 'laptop.artifacts', 'moving', 'trial-0'), { recursive: true });
    const url = await server.pg!.createDatabase('study_cli');
    const there = await run('study', 'copy', '--from', laptop, '--to', url, 'moving');
    assert.equal(there.code, 0, there.stderr);
    assert.match(there.stdout, /copied study moving \(3 trials, 3 epochs\) from .*laptop\.db to postgres:\/\/.*; read back identical/);
    assert.match(there.stdout, /trained weights are not copied: they stay in .*laptop\.artifacts/);
    const home = join(dir, 'home.db');
    const back = await run('study', 'copy', '--from', url, '--to', home, 'moving');
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual(await dumped(home, 'moving'), await dumped(laptop, 'moving'));
    const again = await run('study', 'copy', '--from', laptop, '--to', url, 'moving');
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  it('renames a study with its weights, and refuses a taken name', async () => {
    const db = join(dir, 'rename.db');
    await seed(db, 'old');
    await seed(db, 'other');
    mkdirSync(join(dir, 'rename.artifacts', 'old', 'trial-0'), { recursive: true });
    writeFileSync(join(dir, 'rename.artifacts', 'old', 'trial-0', 'weights.json'), '{}');
    const r = await run('study', 'rename', 'old', 'new name', '--db', db);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /renamed study old to "new name" in .*rename\.db; its trained weights moved to .*new%20name/);
    assert.ok(existsSync(join(dir, 'rename.artifacts', 'new%20name', 'trial-0', 'weights.json')));
    assert.deepEqual((await listStudies({ db })).map((s) => s.name), ['new name', 'other']);
    const taken = await run('study', 'rename', 'other', 'new name', '--db', db);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /"new name" already exists/);
  });

  it('deletes a study with its weights on this host; a running one only with --force', async () => {
    const db = join(dir, 'delete.db');
    await seed(db, 'gone');
    await seed(db, 'kept');
    mkdirSync(join(dir, 'delete.artifacts', 'gone', 'trial-1'), { recursive: true });
    const store = await SqliteStore.open(db);
    const gone = (await store.getStudy('gone'))!;
    await store.updateStudy(gone.id, { state: 'running' });
    await store.close();
    const refused = await run('study', 'delete', 'gone', '--db', db);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /study gone is running; stop its workers before you delete it, or pass --force/);
    const r = await run('study', 'delete', 'gone', '--db', db, '--force');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deleted study gone from .*delete\.db, and its trained weights in/);
    assert.equal(existsSync(join(dir, 'delete.artifacts', 'gone')), false);
    assert.deepEqual((await listStudies({ db })).map((s) => s.name), ['kept']);
    const missing = await run('study', 'delete', 'gone', '--db', db);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no study "gone"/);
  });

  it('explains its usage', async () => {
    assert.equal((await run('study', 'move', 'x')).code, 2);
    assert.match((await run('study', 'copy', 'x')).stderr, /--from DB and --to DB are both required/);
    assert.match((await run('study', 'copy', '--from', laptop, '--to', laptop, 'moving')).stderr, /are the same database/);
    assert.match((await run('study', '--help')).stdout, /sparsenas study copy --from DB --to DB STUDY/);
  });
});
