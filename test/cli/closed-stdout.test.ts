// `sparsenas search --json | head` closed the search's stdout: the next write raised EPIPE, an
// unhandled 'error' event crashed the process and the study stayed `running`. A closed stdout
// now stops the search as Ctrl-C does: the study is stopped and resumable.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../../search/index.js';

const bin = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
const slow = fileURLToPath(new URL('./slow-evaluator-plugin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-epipe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('search --json whose stdout is closed stops gracefully and leaves the study stopped (resumable), not running', { timeout: 90_000 }, async () => {
  const config = join(dir, 'c.json');
  writeFileSync(config, JSON.stringify({ evaluator: { name: 'slow-fake', options: { epochMs: 30 } }, testTopK: 0 }));
  const db = join(dir, 'e.db');
  const child = spawn(process.execPath, [bin, 'search', '--plugin', slow, '--config', config, '--json', '--trials', '200', '--db', db, '--study', 'e'],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  // Like `head -1`: read the first line, then close the pipe.
  await new Promise<void>((resolve) => child.stdout!.once('data', () => { child.stdout!.destroy(); resolve(); }));
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(killer);
  assert.notEqual(code, null, `ended by itself; stderr: ${stderr}`);
  assert.doesNotMatch(stderr, /Unhandled 'error' event|EPIPE|\n\s+at /, stderr);
  assert.match(stderr, /standard output was closed; stopping/);
  const store = await SqliteStore.open(db);
  try {
    const study = (await store.getStudy('e'))!;
    assert.equal(study.state, 'stopped', 'stopped as by Ctrl-C: resumable, not running');
    const trials = await store.getTrials(study.id);
    assert.ok(trials.length < 200, 'it stopped early');
    assert.ok(trials.every((t) => t.state !== 'running'), JSON.stringify(trials.map((t) => t.state)));
  } finally {
    await store.close();
  }
});
