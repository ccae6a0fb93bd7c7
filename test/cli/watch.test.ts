import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import { openStore } from '../../cli/open-store.js';
import { definition, epoch, fullMetrics, leaseOf, storeTrial } from '../search/fixtures.js';
import { captureIo } from './capture-io.js';
import { testPostgres } from '../postgres-server.js';

const server = await testPostgres();
after(() => server.pg?.stop());
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-watch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A study that "another host" runs while `sparsenas watch` follows it, through a store of its own. */
async function followLiveStudy(db: string) {
  const writer = await openStore(db);
  const s = await writer.createStudy('live', definition());
  const first = await storeTrial(writer, s.id, { sample: {}, architecture: null, seed: 1 }, { state: 'completed', metrics: fullMetrics(0.6) });
  const t = captureIo(dir);
  const watching = main(['watch', '--db', db, '--study', 'live', '--interval', '0.02', '--plain', '--verbose'], t.io);
  const until = async (re: RegExp) => { while (!re.test(t.text().stdout)) await new Promise((r) => setTimeout(r, 10)); };
  await until(/search resumed/);
  const running = await storeTrial(writer, s.id, { sample: {}, architecture: null, seed: 2 });
  await until(/trial 1 started/);
  await writer.addEpoch(leaseOf(running), epoch(1));
  await until(/trial 1 epoch 1/);
  await writer.finishTrial(leaseOf(running), { state: 'completed', metrics: fullMetrics(0.9) });
  await writer.updateStudy(s.id, { state: 'finished' });
  const code = await watching;
  await writer.close();
  return { code, ...t.text(), first };
}

describe('sparsenas watch', () => {
  it('follows a study another process runs in a SQLite file, and ends with it', async () => {
    const r = await followLiveStudy(join(dir, 'live.db'));
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /trial 0 completed/, 'trials finished before watching are not repeated');
    assert.match(r.stdout, /trial 1 completed/);
    assert.match(r.stdout, /search finished/);
  });

  it('follows a study in PostgreSQL', { skip: server.skip && `no PostgreSQL: ${server.skip}` }, async () => {
    const r = await followLiveStudy(await server.pg!.createDatabase('watch'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /trial 1 epoch 1\/\d+.*\n.*trial 1 completed[^]*search finished/);
  });

  it('says so when the study it follows is deleted', async () => {
    const db = join(dir, 'deleted.db');
    const writer = await openStore(db);
    const s = await writer.createStudy('doomed', definition());
    const t = captureIo(dir);
    const watching = main(['watch', '--db', db, '--interval', '0.02', '--plain'], t.io);
    while (!/search/.test(t.text().stdout)) await new Promise((r) => setTimeout(r, 10));
    await writer.deleteStudy(s.id);
    assert.equal(await watching, 2);
    assert.match(t.text().stderr, /no study "doomed"/);
    await writer.close();
  });
});
