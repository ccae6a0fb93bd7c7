// Issue 13 fault: an ask() that never settles ended the process with exit 13 and no message, the
// study left running; one that keeps a timer alive hung for ever. Strategy calls have a timeout
// (--strategy-timeout), and the study fails with a clear message naming the strategy.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../../search/index.js';

const bin = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
const fakeEvaluator = fileURLToPath(new URL('./fake-evaluator-plugin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-strategy-timeout-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const child = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) => child.once('exit', (code) => { clearTimeout(killer); resolve({ code, stdout, stderr, ms: Date.now() - started }); }));
}

/** A strategy plugin whose second ask() never settles (`timer`: and keeps a timer alive). */
function plugin(name: string, timer: boolean): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, `export default { strategies: [{ name: '${name}', description: 'test', create: () => ({
    n: 0, init() {}, tell() {}, snapshot() { return { n: this.n }; }, restore(s) { this.n = s.n; },
    ask() { if (this.n++ === 0) return { sample: {} }; ${timer ? 'setInterval(() => {}, 1000); ' : ''}return new Promise(() => {}); },
  }) }] };\n`);
  return file;
}

describe('strategy calls that never return (CLI)', () => {
  const config = join(dir, 'fake.json');
  writeFileSync(config, JSON.stringify({ evaluator: { name: 'fake' }, testTopK: 0 }));
  for (const timer of [false, true]) {
    it(`an ask() that never settles${timer ? ' and keeps a timer alive' : ''} fails the study with a clear message after --strategy-timeout`, { timeout: 90_000 }, async () => {
      const name = timer ? 'hangtimer' : 'hang';
      const db = join(dir, `${name}.db`);
      const out = await cli(['search', '--plugin', fakeEvaluator, '--plugin', plugin(name, timer), '--strategy', name, '--config', config,
        '--db', db, '--study', name, '--trials', '5', '--strategy-timeout', '0.5', '--plain']);
      assert.notEqual(out.code, 13, 'not the unsettled-top-level-await exit');
      assert.notEqual(out.code, null, 'it ended by itself');
      assert.notEqual(out.code, 0);
      assert.match(out.stderr, new RegExp(`strategy .*${name}.* did not return from ask\\(\\) within 0\\.5 s`));
      assert.match(out.stderr, new RegExp(`sparsenas resume --study ${name}`));
      assert.ok(out.ms < 30_000, `${out.ms} ms`);
      const store = await SqliteStore.open(db);
      const study = (await store.getStudy(name))!;
      assert.equal(study.state, 'interrupted');
      assert.ok((await store.getTrials(study.id)).every((t) => t.state !== 'running' && t.state !== 'waiting'), 'nothing left running');
      await store.close();
    });
  }

  it('refuses a --strategy-timeout that is not a positive number', async () => {
    const out = await cli(['search', '--strategy-timeout', '0', '--db', join(dir, 'x.db')]);
    assert.equal(out.code, 2);
    assert.match(out.stderr, /--strategy-timeout must be a positive number, got "0"/);
  });
});
