import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryStore, PostgresStore, SqliteStore, copyStudy, dumpStudy, studyDigest } from '../../search/index.js';
import type { Store } from '../../search/index.js';
import { richDump } from './store-conformance.js';
import { definition, leaseOf, storeTrial } from './fixtures.js';
import { testPostgres } from '../postgres-server.js';

const server = await testPostgres();
after(() => server.pg?.stop());
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-copy-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const sqlite = () => SqliteStore.open(join(dir, `s${files++}.db`));
const noPg = server.skip && `no PostgreSQL: ${server.skip}`;

async function closing<T>(stores: Store[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}

describe('study copy', () => {
  it('SQLite → PostgreSQL → SQLite gives an identical study', { skip: noPg }, async () => {
    const [laptop, shared, home] = [await sqlite(), await PostgresStore.open(await server.pg!.createSchema()), await sqlite()];
    await closing([laptop, shared, home], async () => {
      const original = await richDump(laptop);
      const there = await copyStudy(laptop, shared, 'rich');
      assert.equal(there.trials, original.trials.length);
      assert.equal(there.epochs, 2);
      const back = await copyStudy(shared, home, 'rich');
      assert.equal(back.digest, there.digest);
      const returned = await dumpStudy(home, 'rich');
      assert.deepEqual(returned, original, 'trials, epochs, leases, told, workers, strategy state, test results and checksums are as they were');
      assert.equal(studyDigest(returned), studyDigest(original));
      assert.deepEqual(await dumpStudy(laptop, 'rich'), original, 'the source is never changed');
    });
  });

  it('copies between any two stores, under another name with --as', async () => {
    const [mem, file] = [new MemoryStore(), await sqlite()];
    await closing([mem, file], async () => {
      const original = await richDump(mem, 'm');
      const { study } = await copyStudy(mem, file, 'm', { as: 'renamed' });
      assert.equal(study.name, 'renamed');
      assert.deepEqual(await dumpStudy(file, 'renamed'), { ...original, study: { ...original.study, name: 'renamed' } });
      await assert.rejects(copyStudy(mem, file, 'm', { as: 'renamed' }), (e: { code?: string }) => e.code === 'STUDY_EXISTS');
      await assert.rejects(copyStudy(mem, file, 'nope'), (e: { code?: string }) => e.code === 'STUDY_NOT_FOUND');
    });
  });

  it('refuses a running study unless asked for a live copy', async () => {
    const [a, b] = [await sqlite(), await sqlite()];
    await closing([a, b], async () => {
      const s = await a.createStudy('live', definition());
      const t = await storeTrial(a, s.id, { sample: {}, architecture: null, seed: 1 });
      await assert.rejects(copyStudy(a, b, 'live'), (e: { code?: string; message: string }) => e.code === 'STUDY_BUSY' && /trial 0/.test(e.message) && /--live/.test(e.message));
      assert.deepEqual(await b.listStudies(), []);
      const copy = await copyStudy(a, b, 'live', { live: true });
      assert.equal((await b.getTrials(copy.study.id))[0]!.state, 'running');
      assert.equal(await a.heartbeat(leaseOf(t)), true, 'the source goes on');
    });
  });

  it('deletes a copy that does not read back identically', async () => {
    const [a, b] = [new MemoryStore(), new MemoryStore()];
    await richDump(a, 'x');
    // A target that loses a field on import (as a store missing a column would).
    const lossy = Object.assign(b, { importStudy: MemoryStore.prototype.importStudy });
    const real = lossy.importStudy.bind(lossy);
    lossy.importStudy = (dump) => real({ ...dump, study: { ...dump.study, strategyState: { lost: true } } });
    await assert.rejects(copyStudy(a, lossy, 'x'), (e: { code?: string; message: string }) => e.code === 'STUDY_COPY_MISMATCH' && /study row/.test(e.message));
    assert.deepEqual(await b.listStudies(), [], 'the bad copy was removed');
  });
});
