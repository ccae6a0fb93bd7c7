#!/usr/bin/env node
// `npm test`'s runner: every dist/test/**/*.test.js under `node --test` (TAP on stdout, exactly as
// node prints it), with one addition. When a test fails, its `not ok` line and diagnostics are
// repeated just before the run's summary, so that the last screen of a long log (all a CI system
// may keep) says which test failed and why, not only "# fail 1". The summary itself is printed
// once, last, unchanged. Arguments are passed to node --test (e.g. --test-name-pattern); test files
// named among them replace the default set.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(path));
    else if (entry.name.endsWith('.test.js')) out.push(path);
  }
  return out.sort();
}

const SUMMARY = /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /;

/**
 * The failing tests of a TAP text: each `not ok` whose failure is its own (not only that a subtest
 * failed), with its YAML block, cut to `maxLines` lines. Exported for the runner's own test.
 */
export function failureDigest(lines, maxLines = 40) {
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\s*)not ok \d+ - /.exec(lines[i]);
    if (!m) continue;
    const block = [lines[i]];
    let j = i + 1;
    if (j < lines.length && lines[j].trim() === '---') {
      for (; j < lines.length; j++) {
        block.push(lines[j]);
        if (j > i + 1 && lines[j].trim() === '...') break;
      }
    }
    if (block.some((l) => /failureType: 'subtestsFailed'/.test(l))) continue;
    const name = /^(\s*)# Subtest: (.*)$/.exec(lines[i - 1] ?? '')?.[2];
    const shown = block.length > maxLines ? [...block.slice(0, maxLines), `${m[1]}  … ${block.length - maxLines} more lines above in the log`] : block;
    blocks.push({ name, lines: shown });
  }
  return blocks;
}

async function main() {
  // Test files named on the command line replace the default set; other arguments go to node --test.
  const named = process.argv.slice(2).filter((a) => a.endsWith('.test.js'));
  const args = process.argv.slice(2).filter((a) => !a.endsWith('.test.js'));
  const files = named.length ? named : testFiles('dist/test');
  if (files.length === 0) {
    console.error('no dist/test/**/*.test.js: build first (npm test runs tsc -p . before this)');
    process.exit(1);
  }
  const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=tap', ...args, ...files], { stdio: ['inherit', 'pipe', 'inherit'] });
  const all = [];
  const held = [];
  let partial = '';
  const onLine = (line) => {
    all.push(line);
    // Summary lines are held back until the end; anything after them flushes them in order.
    if (SUMMARY.test(line)) { held.push(line); return; }
    if (held.length) { process.stdout.write(held.join('\n') + '\n'); held.length = 0; }
    process.stdout.write(line + '\n');
  };
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop();
    for (const line of parts) onLine(line);
  });
  const [code, signal] = await new Promise((resolve) => child.on('close', (c, s) => resolve([c, s])));
  if (partial) onLine(partial);
  const failures = failureDigest(all);
  if (failures.length) {
    process.stdout.write(`# ${failures.length} failing test${failures.length === 1 ? '' : 's'} (repeated from above):\n`);
    for (const f of failures) process.stdout.write(`#\n# ${f.name ?? '(unnamed)'}\n${f.lines.map((l) => `#   ${l}`).join('\n')}\n`);
  }
  if (held.length) process.stdout.write(held.join('\n') + '\n');
  process.exit(signal ? 1 : code ?? 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
