import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../search/index.js';
import { STUDY, assertInvariants, runToEnd, startWorker } from './protocol-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'sparsenas-kill-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Kills a search at `point`, resumes it in a second process, checks every invariant; returns the trials. */
async function killAndResume(point: string, maxTrials = 4) {
  const file = join(dir, `kill-${files++}.db`);
  const first = startWorker({ file, mode: 'create', maxTrials, killAt: point, testTopK: 1 });
  const { signal } = await first.exited;
  assert.equal(signal, 'SIGKILL', `the hook at ${point} did not fire: ${first.stderr()}`);
  const store = await SqliteStore.open(file);
  const killed = await store.getTrials(1);
  const study = (await store.getStudy(STUDY))!;
  await store.close();
  // The killed process ran on this machine and its pid is gone: the resume takes over at once.
  const second = await runToEnd({ file, mode: 'resume', maxTrials, testTopK: 1 });
  const trials = await assertInvariants(file, { maxTrials, tested: 1, stderr: [first.stderr(), second.stderr()] });
  return { killed, study, trials, first, second };
}

describe('a kill at each point of the trial protocol loses and duplicates nothing', { timeout: 120_000 }, () => {
  it('after the claim commits (the new trial row and the snapshot are one commit)', async () => {
    const { killed, study, trials } = await killAndResume('claimed@2');
    // The second trial was committed with the strategy's advanced snapshot, then the process died.
    assert.deepEqual(killed.map((t) => [t.number, t.state]), [[0, 'completed'], [1, 'running']]);
    assert.equal((study.strategyState as { cursor: number }).cursor, 2, 'the snapshot that proposed trial 1 committed with it');
    assert.deepEqual(trials.map((t) => [t.number, t.state, t.attributes?.['redoOf'] ?? null]),
      [[0, 'completed', null], [1, 'interrupted', null], [2, 'completed', 1], [3, 'completed', null], [4, 'completed', null]]);
  });

  it('mid-epoch, before the epoch row is written', async () => {
    const { killed, trials } = await killAndResume('epoch-reported@5');
    assert.deepEqual(killed.map((t) => t.state), ['completed', 'running']);
    assert.equal(trials[1]!.state, 'interrupted');
    assert.equal(trials[2]!.attributes?.['redoOf'], 1);
  });

  it('right after an epoch row is written; the interrupted attempt keeps its epochs', async () => {
    const file = join(dir, 'epochs.db');
    const first = startWorker({ file, mode: 'create', maxTrials: 3, killAt: 'epoch-stored@5' });
    assert.equal((await first.exited).signal, 'SIGKILL');
    await runToEnd({ file, mode: 'resume', maxTrials: 3 });
    const trials = await assertInvariants(file, { maxTrials: 3, stderr: [first.stderr()] });
    const store = await SqliteStore.open(file);
    assert.deepEqual((await store.getEpochs(trials[1]!.id)).map((e) => e.epoch), [0, 1], 'epochs 0 and 1 of trial 1 were stored before the kill');
    assert.deepEqual((await store.getEpochs(trials[2]!.id)).map((e) => e.epoch), [0, 1, 2], 'the redo trained all over');
    await store.close();
  });

  it('after the result is written and before the strategy is told: told exactly once, on resume', async () => {
    const { killed, study } = await killAndResume('finished@2');
    assert.deepEqual(killed.map((t) => [t.state, t.toldAt !== undefined]), [['completed', true], ['completed', false]]);
    assert.deepEqual((study.strategyState as { told: number[] }).told, [0], 'the kill came before anyone told trial 1');
  });

  it('inside the ask transaction: it rolls back, the candidate is asked again, none is skipped', async () => {
    const { killed, study, trials } = await killAndResume('asked@2');
    assert.deepEqual(killed.map((t) => t.state), ['completed'], 'the second trial never committed');
    assert.equal((study.strategyState as { cursor: number }).cursor, 1, "and neither did the ask's snapshot");
    assert.deepEqual(trials.map((t) => t.sample['units']), [1, 2, 3, 4]);
  });

  it('inside the tell transaction: it rolls back and the trial is told once, later', async () => {
    const { killed, study } = await killAndResume('told@1');
    assert.deepEqual(killed.map((t) => [t.state, t.toldAt]), [['completed', undefined]]);
    assert.deepEqual((study.strategyState as { told: number[] }).told, []);
  });
});
