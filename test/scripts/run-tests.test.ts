import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

// dist/test/scripts -> package root
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const script = join(root, 'scripts', 'run-tests.mjs');
const { failureDigest } = (await import(pathToFileURL(script).href)) as {
  failureDigest(lines: string[], maxLines?: number): { name?: string; lines: string[] }[];
};

// The runner under test is run as npm test runs it: at top level, not as a child of this test
// file (node:test marks its children with NODE_TEST_CONTEXT and they then run no files).
const { NODE_TEST_CONTEXT: _, ...topLevel } = process.env;

describe("scripts/run-tests.mjs (npm test's runner): a failure is named at the end of the log", () => {
  const dir = mkdtempSync(join(tmpdir(), 'sparsenas-runner-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a failing test is repeated just before the summary, which is printed once and last; the exit code is 1', () => {
    const file = join(dir, 'sample.test.js');
    writeFileSync(file, [
      "import { describe, it, test } from 'node:test';",
      "import assert from 'node:assert/strict';",
      "describe('outer', () => {",
      "  it('passes', () => {});",
      "  it('breaks on purpose', () => assert.equal(1 + 1, 3, 'the marker message'));",
      '});',
      "test('also passes', () => {});",
    ].join('\n'));
    const r = spawnSync(process.execPath, [script, file], { cwd: root, encoding: 'utf8', env: topLevel });
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const summary = lines.findIndex((l) => l.startsWith('# tests '));
    assert.ok(summary > 0, r.stdout);
    assert.deepEqual(lines.slice(summary).map((l) => l.split(' ')[1]), ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo', 'duration_ms']);
    assert.equal(lines.filter((l) => l.startsWith('# tests ')).length, 1, 'one summary');
    assert.ok(lines.includes('# fail 1'));
    const digest = lines.indexOf('# 1 failing test (repeated from above):');
    assert.ok(digest > 0 && digest < summary, `digest before the summary:\n${r.stdout}`);
    const repeated = lines.slice(digest, summary).join('\n');
    assert.match(repeated, /# breaks on purpose/);
    assert.match(repeated, /the marker message/);
    assert.doesNotMatch(repeated, /not ok \d+ - outer/, 'the suite that only failed through its subtest is not repeated');
    // The TAP itself is node's, in order, before the digest.
    assert.ok(lines.slice(0, digest).some((l) => /^\s+not ok 2 - breaks on purpose$/.test(l)));
  });

  test('a passing run prints no digest and exits 0', () => {
    const file = join(dir, 'green.test.js');
    writeFileSync(file, "import { test } from 'node:test';\ntest('fine', () => {});\n");
    const r = spawnSync(process.execPath, [script, file], { cwd: root, encoding: 'utf8', env: topLevel });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /failing test/);
    assert.match(r.stdout.trimEnd().split('\n').at(-1)!, /^# duration_ms /);
  });

  test('failureDigest cuts a long diagnostic and skips subtestsFailed parents', () => {
    const tap = [
      '# Subtest: parent',
      '    # Subtest: child',
      '    not ok 1 - child',
      '      ---',
      ...Array.from({ length: 60 }, (_, i) => `      line ${i}`),
      '      ...',
      'not ok 1 - parent',
      '  ---',
      "  failureType: 'subtestsFailed'",
      '  ...',
    ];
    const d = failureDigest(tap, 10);
    assert.equal(d.length, 1);
    assert.equal(d[0]!.name, 'child');
    assert.equal(d[0]!.lines.length, 11);
    assert.match(d[0]!.lines.at(-1)!, /more lines above in the log/);
  });
});
