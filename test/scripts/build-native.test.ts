import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// dist/test/scripts -> package root
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const script = join(root, 'scripts', 'build-native.mjs');

/** A throw-away package holding a copy of the build script, so the real build/ is untouched. */
function sandbox(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sparsenas-build-'));
  mkdirSync(join(dir, 'scripts'));
  copyFileSync(script, join(dir, 'scripts', 'build-native.mjs'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const runIn = (dir: string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(dir, 'scripts', 'build-native.mjs')], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('scripts/build-native.mjs never fails an install', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('SPARSENAS_SKIP_NATIVE=1 skips with one line and exit 0', () => {
    const dir = sandbox({});
    dirs.push(dir);
    const r = runIn(dir, { SPARSENAS_SKIP_NATIVE: '1' });
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^sparsenas: native kernels skipped .*stock tfjs-wasm kernels\n$/);
  });

  test('a missing binding.gyp is reported, exit 0', () => {
    const dir = sandbox({});
    dirs.push(dir);
    const r = runIn(dir);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /native kernels not built \(native\/binding\.gyp missing\)/);
  });

  test('a failing compilation prints its first error, leaves no addon, exit 0', () => {
    const dir = sandbox({
      'native/binding.gyp': JSON.stringify({ targets: [{ target_name: 'sparsenas_native', sources: ['broken.c'] }] }),
      'native/broken.c': 'this is not C;\n',
      'build/Release/sparsenas_native.node': 'stale binary from an older build',
    });
    dirs.push(dir);
    const r = runIn(dir);
    assert.equal(r.status, 0);
    assert.equal(r.stdout.trim().split('\n').length, 1, r.stdout);
    assert.match(r.stdout, /native kernels not built \(.+\); training falls back/);
    assert.equal(existsSync(join(dir, 'build', 'Release', 'sparsenas_native.node')), false);
    assert.ok(existsSync(join(dir, 'build', 'native-build.log')));
  });
});
