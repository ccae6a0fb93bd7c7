import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../cli/main.js';
import { captureIo } from './capture-io.js';

const plugin = fileURLToPath(new URL('./fake-evaluator-plugin.js', import.meta.url));
const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('user strings with terminal escape sequences', () => {
  it('are shown escaped, never raw, by `list studies` and `leaderboard` (table and md)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparsenas-esc-'));
    dirs.push(dir);
    const config = join(dir, 'fake.json');
    writeFileSync(config, JSON.stringify({ evaluator: { name: 'fake' }, plugins: [plugin], dataset: { name: 'embedded' } }));
    const db = join(dir, 'runs.db');
    const name = 'evil\u001b]0;pwned\u0007\u001b[2J\u009b31m';
    const run = async (...argv: string[]) => { const t = captureIo(dir); const code = await main(argv, t.io); return { code, ...t.text() }; };
    const searched = await run('search', '--db', db, '--study', name, '--trials', '1', '--config', config);
    assert.equal(searched.code, 0, searched.stderr);
    // eslint-disable-next-line no-control-regex
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
    const listed = await run('list', 'studies', '--db', db);
    assert.equal(listed.code, 0, listed.stderr);
    assert.doesNotMatch(listed.stdout, raw);
    assert.match(listed.stdout, /evil\\x1b\]0;pwned\\x07\\x1b\[2J\\x9b31m/);
    for (const format of ['table', 'md']) {
      const board = await run('leaderboard', '--db', db, '--study', name, '--format', format);
      assert.equal(board.code, 0, board.stderr);
      assert.doesNotMatch(board.stdout, raw, format);
    }
    const board = await run('leaderboard', '--db', db, '--study', name);
    assert.match(board.stdout, /study evil\\x1b/);
  });
});
