// Issue 17 defect 9: `sparsenas --version` and `list strategies` took ~1 s because every command
// loaded tfjs at start. Commands are imported when they run and the tfjs evaluator (and the
// built-in training methods' tfjs code) when a search prepares it. Checked without timing: a
// module loader hook records every module the CLI process resolves.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bin = fileURLToPath(new URL('../../cli/bin.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-lazy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const hooks = join(dir, 'hooks.mjs');
writeFileSync(hooks, `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.LOAD_LOG, r.url + '\\n');
  return r;
}
`);
const register = join(dir, 'register.mjs');
writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);

function loadedModules(args: string[]): { urls: string[]; stdout: string } {
  const log = join(dir, `load-${args.join('-').replace(/\W+/g, '_')}.log`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(register).href, bin, ...args], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, LOAD_LOG: log }, timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return { urls: readFileSync(log, 'utf8').split('\n').filter(Boolean), stdout: r.stdout };
}

for (const args of [['--version'], ['list', 'strategies'], ['list', 'evaluators'], ['--help']]) {
  test(`sparsenas ${args.join(' ')} does not load tfjs`, { timeout: 150_000 }, () => {
    const { urls, stdout } = loadedModules(args);
    assert.ok(urls.some((u) => u.endsWith('/cli/bin.js')), 'the hook saw the CLI load');
    assert.ok(stdout.length > 0);
    const tfjs = urls.filter((u) => u.includes('/@tensorflow/'));
    assert.deepEqual(tfjs, [], `${args.join(' ')} loaded tfjs`);
  });
}

for (const args of [['--version'], ['--help']]) {
  test(`sparsenas ${args.join(' ')} loads no package at all (no zod, sqlite3, pg)`, { timeout: 150_000 }, () => {
    const { urls } = loadedModules(args);
    assert.deepEqual(urls.filter((u) => u.includes('/node_modules/')), []);
  });
}

test('the hook sees tfjs when a command does load it (the check can fail)', { timeout: 150_000 }, () => {
  const { urls } = loadedModules(['list', 'backends']);
  assert.ok(urls.some((u) => u.includes('/@tensorflow/')));
});
