import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../cli/main.js';
import { SqliteStore } from '../../search/index.js';
import { captureIo } from './capture-io.js';

const bin = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
const fakeEvaluator = fileURLToPath(new URL('./fake-evaluator-plugin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-workers-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real CLI as a process; `onLine` sees each stdout line (and may signal the process). */
function cli(args: string[], onLine?: (line: string, child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    for (const line of d.split('\n')) if (line) onLine?.(line, child);
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started })));
}

describe('worker processes from the command line', { timeout: 240_000 }, () => {
  it('search --workers 2 trains with the real evaluator in two processes: the budget once, one test phase', async () => {
    const db = join(dir, 'two.db');
    const out = await cli(['search', '--workers', '2', '--trials', '4', '--epochs', '1', '--subset', '300', '--seed', '3', '--db', db, '--study', 'two', '--plain']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /2 worker processes share study "two"/);
    const store = await SqliteStore.open(db);
    const study = (await store.getStudy('two'))!;
    const trials = await store.getTrials(study.id);
    await store.close();
    assert.equal(study.state, 'finished');
    assert.deepEqual(trials.map((t) => t.state), ['completed', 'completed', 'completed', 'completed']);
    assert.equal(new Set(trials.map((t) => JSON.stringify(t.architecture))).size, 4, 'each candidate once');
    assert.ok(trials.every((t) => t.toldAt !== undefined));
    assert.equal(Object.keys(study.testResults ?? {}).length, 1, 'the best trial was tested once');
    for (const t of trials) assert.match(out.stdout, new RegExp(`trial ${t.number} `));
  });

  it('Ctrl-C stops the search even while a strategy call never returns and keeps a timer alive', async () => {
    const plugin = join(dir, 'hang.mjs');
    writeFileSync(plugin, `export default { strategies: [{ name: 'hang', description: 'test', create: () => ({
      n: 0, init() {}, tell() {}, snapshot() { return { n: this.n }; }, restore(s) { this.n = s.n; },
      ask() { if (this.n++ === 0) return { sample: {} }; setInterval(() => {}, 1000); return new Promise(() => {}); },
    }) }] };\n`);
    let sent = 0;
    const out = await cli(['search', '--plugin', fakeEvaluator, '--plugin', plugin, '--strategy', 'hang', '--config', writeConfig(),
      '--db', join(dir, 'hang.db'), '--study', 'hang', '--trials', '5', '--json'], (line, child) => {
      // The first trial finished: the second ask() now hangs. One Ctrl-C, as a user would.
      if (!sent && JSON.parse(line).type === 'trial.finished') { sent = Date.now(); child.kill('SIGINT'); }
    });
    assert.ok(sent, out.stderr);
    assert.equal(out.code, 130, out.stderr);
    assert.ok(Date.now() - sent < 15_000);
    assert.match(out.stderr, /stopping: the running trial is recorded as interrupted/);
    const store = await SqliteStore.open(join(dir, 'hang.db'));
    assert.equal((await store.getStudy('hang'))!.state, 'stopped');
    await store.close();
  });

  it('refuses --workers with an in-memory database, and explains the worker command', async () => {
    const t = captureIo(dir);
    assert.equal(await main(['search', '--workers', '2', '--db', ':memory:'], t.io), 2);
    assert.match(t.text().stderr, /--workers needs a database file/);
    const h = captureIo(dir);
    assert.equal(await main(['worker', '--help'], h.io), 0);
    assert.match(h.text().stdout, /sparsenas worker — take part in a running study/);
    const u = captureIo(dir);
    assert.equal(await main(['worker', '--study', 'nope', '--db', join(dir, 'two.db')], u.io), 2);
    assert.match(u.text().stderr, /study "nope" not found/);
  });
});

function writeConfig(): string {
  const file = join(dir, 'fake.json');
  writeFileSync(file, JSON.stringify({ evaluator: { name: 'fake' }, testTopK: 0 }));
  return file;
}
