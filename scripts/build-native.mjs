#!/usr/bin/env node
// Builds the optional native kernels (native/ -> build/Release/sparsenas_native.node).
// Run as the package's install script. It must never fail an install: without a compiler,
// headers or network the package still works on the stock wasm kernels, so every failure
// prints one line, writes the full log to build/native-build.log and exits 0.
// SPARSENAS_SKIP_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'native');
const outDir = join(root, 'build', 'Release');
const target = join(outDir, 'sparsenas_native.node');
const logFile = join(root, 'build', 'native-build.log');
const FALLBACK = 'training falls back to the stock tfjs-wasm kernels';

function done(message) {
  console.log(`sparsenas: ${message}`);
  process.exit(0);
}

/** node-gyp as [command, ...args]: npm's own copy first (no network), then PATH, then npx. */
function nodeGypCommand() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, fromNpm];
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm',
    'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return [process.execPath, bundled];
  const onPath = spawnSync('node-gyp', ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' });
  if (onPath.status === 0) return ['node-gyp'];
  return ['npx', '--yes', 'node-gyp'];
}

/** Headers installed next to the running node (Debian's nodejs, official tarballs) spare
 * node-gyp a download, which fails offline. An explicit npm_config_nodedir wins. */
function nodedirArgs() {
  if (process.env.npm_config_nodedir) return [];
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

if (process.env.SPARSENAS_SKIP_NATIVE === '1') done(`native kernels skipped (SPARSENAS_SKIP_NATIVE=1); ${FALLBACK}`);
if (!existsSync(join(sourceDir, 'binding.gyp'))) done(`native kernels not built (native/binding.gyp missing); ${FALLBACK}`);

mkdirSync(outDir, { recursive: true });
// A stale binary from an older build must not outlive a failed rebuild of newer sources.
rmSync(target, { force: true });
const [cmd, ...pre] = nodeGypCommand();
const args = [...pre, 'rebuild', `--directory=${sourceDir}`, ...nodedirArgs()];
const started = Date.now();
const run = spawnSync(cmd, args, {
  cwd: root,
  encoding: 'utf8',
  timeout: 600_000,
  maxBuffer: 64 * 1024 * 1024,
  shell: process.platform === 'win32',
});
const log = [`$ ${cmd} ${args.join(' ')}`, run.stdout ?? '', run.stderr ?? '', run.error ? String(run.error) : ''].join('\n');
writeFileSync(logFile, log);

const built = join(sourceDir, 'build', 'Release', 'sparsenas_native.node');
if (run.status !== 0 || !existsSync(built)) {
  done(`native kernels not built (${failureReason(run)}); ${FALLBACK}. Full log: ${logFile}`);
}

/** The most telling line of a failed build: a compiler error, else node-gyp's own error. */
function failureReason(result) {
  if (result.error) return String(result.error.message ?? result.error);
  const lines = `${result.stdout ?? ''}\n${result.stderr ?? ''}`.split('\n').map((l) => l.trim());
  const pick = (re) => lines.find((l) => re.test(l));
  const reason = pick(/error:/i) ?? pick(/gyp ERR! stack Error:/) ?? pick(/Could not find|not found|ENOTFOUND|EAI_AGAIN/i)
    ?? pick(/gyp ERR!/) ?? `node-gyp exited with status ${result.status}`;
  return reason.replace(/^gyp ERR! (stack )?/, '').slice(0, 200);
}

copyFileSync(built, target);
try {
  const addon = createRequire(import.meta.url)(target);
  const { isa, threads } = addon.info();
  done(`native kernels built in ${((Date.now() - started) / 1000).toFixed(1)} s (${isa}, ${threads} threads): ${target}`);
} catch (err) {
  rmSync(target, { force: true });
  done(`native kernels built but failed to load (${String(err).split('\n')[0]}); ${FALLBACK}`);
}
