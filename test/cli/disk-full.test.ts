import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../cli/main.js';
import { captureIo } from './capture-io.js';

// Issue 13, fault "disk full", through the CLI: ENOSPC writing a trial's weights stops the
// search with exit 1 and a message naming the path and the fix; the study is interrupted, no
// trial failed; `sparsenas resume` after space is back completes the budget, redoing that trial.
const plugin = fileURLToPath(new URL('./full-disk-evaluator-plugin.js', import.meta.url));
const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('sparsenas search on a full disk', () => {
  it('stops with exit 1 naming the weights path and `sparsenas resume`; resume finishes the budget', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparsenas-full-'));
    dirs.push(dir);
    const full = join(dir, 'full');
    const config = join(dir, 'c.json');
    writeFileSync(config, JSON.stringify({ evaluator: { name: 'full-disk', options: { full } }, plugins: [plugin], dataset: { name: 'embedded' }, training: { epochs: 1 } }));
    const db = join(dir, 'runs.db');
    const run = async (...argv: string[]) => { const t = captureIo(dir); const code = await main(argv, t.io); return { code, ...t.text() }; };
    const json = async () => JSON.parse((await run('leaderboard', '--db', db, '--study', 'disk', '--all', '--format', 'json')).stdout) as { trial: number; state: string; seed: number }[];

    // The disk is full from the start: the first trial's weights cannot be written.
    writeFileSync(full, '');
    const stopped = await run('search', '--db', db, '--study', 'disk', '--trials', '4', '--config', config, '--plain');
    assert.equal(stopped.code, 1, stopped.stderr);
    const weights = join(dir, 'runs.artifacts', 'disk', 'trial-0');
    assert.ok(stopped.stderr.includes(`out of disk space writing ${weights}`), stopped.stderr);
    assert.match(stopped.stderr, /study "disk" is interrupted and trial 0 is not counted/);
    assert.match(stopped.stderr, /then run `sparsenas resume --study disk`/);
    assert.doesNotMatch(stopped.stderr, /unexpected error/);
    const listed = await run('list', 'studies', '--db', db);
    assert.match(listed.stdout, /disk\s+interrupted/);

    rmSync(full); // space is back
    const resumed = await run('resume', '--db', db, '--study', 'disk', '--plain');
    assert.equal(resumed.code, 0, resumed.stderr);
    const board = await json();
    assert.equal(board.filter((t) => t.state === 'completed').length, 4);
    assert.deepEqual(board.filter((t) => t.state === 'failed'), []);
    const byNumber = new Map(board.map((t) => [t.trial, t]));
    assert.equal(byNumber.get(0)!.state, 'interrupted');
    assert.equal(byNumber.get(1)!.seed, byNumber.get(0)!.seed, 'the redo trains with the same seed');
    assert.equal(board.length, 5, 'four counted trials and the interrupted one: nothing trained twice beyond the redo');
    assert.ok(existsSync(join(dir, 'runs.artifacts', 'disk', 'trial-1', 'weights.bin')), 'the redo of trial 0 (trial 1) wrote its weights');
  });

  it('with --workers 2: exit 1, the message names the full disk (not a worker that only followed), study interrupted, nothing failed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparsenas-full-w-'));
    dirs.push(dir);
    const full = join(dir, 'full');
    writeFileSync(full, '');
    const config = join(dir, 'c.json');
    writeFileSync(config, JSON.stringify({ evaluator: { name: 'full-disk', options: { full } }, plugins: [plugin], dataset: { name: 'embedded' }, training: { epochs: 1 } }));
    const db = join(dir, 'runs.db');
    const t = captureIo(dir);
    const code = await main(['search', '--db', db, '--study', 'disk2', '--trials', '3', '--config', config, '--plain', '--workers', '2'], t.io);
    const { stderr } = t.text();
    assert.equal(code, 1, stderr);
    const last = stderr.trim().split('\n').filter((l) => l.startsWith('sparsenas: ')).pop() ?? '';
    assert.match(last, /out of disk space writing .*ENOSPC.*then run `sparsenas resume --study disk2`/);
    const board = captureIo(dir);
    assert.equal(await main(['leaderboard', '--db', db, '--study', 'disk2', '--all', '--format', 'json'], board.io), 0);
    const trials = JSON.parse(board.text().stdout) as { state: string }[];
    assert.deepEqual(trials.filter((x) => x.state === 'failed' || x.state === 'running'), []);
    assert.ok(trials.some((x) => x.state === 'interrupted'));
    const listed = captureIo(dir);
    await main(['list', 'studies', '--db', db], listed.io);
    assert.match(listed.text().stdout, /disk2\s+interrupted/);
  });
});
