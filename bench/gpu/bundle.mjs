#!/usr/bin/env node
// Builds gpu-check/: the GPU check as one folder to copy to a machine without internet
// (node_modules is ~500 MB; this is ~30 MB). Run after `npx tsc -p .`:
//
//   node bench/gpu/bundle.mjs [OUT_DIR]        # default ./gpu-check
//   tar czf gpu-check.tgz gpu-check            # copy it over, then there:
//   ./gpu-check/run.sh [--out FILE] [--allow-software-gpu] [--steps N] [--max-batch N]
//
// The target needs Node >= 20 (the bundle is plain JS) and, for the native CPU reference,
// the same CPU architecture (the addon was compiled here). Inside: check.mjs (our code, tfjs
// and its cpu/wasm/webgpu backends in one file), the wasm backend's .wasm files, the native
// addon, and the `webgpu` package's Linux x64 Dawn build, which cannot be bundled.
import { build } from 'esbuild';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outDir = resolve(process.argv[2] ?? join(root, 'gpu-check'));
const entry = join(root, 'dist', 'bench', 'gpu', 'check.js');
if (!existsSync(entry)) { console.error(`${entry} is missing: run \`npx tsc -p .\` first`); process.exit(2); }
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

await build({
  entryPoints: [entry], outfile: join(outDir, 'check.mjs'), bundle: true, platform: 'node', format: 'esm', target: 'node20',
  external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  // CommonJS code inside (tfjs' node builds) uses require and __dirname; the wasm backend finds
  // its .wasm files next to __dirname, i.e. next to the bundle.
  banner: { js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);" },
  // search/ (imported for its types and seeds) pulls in sqlite3, a native addon the check never
  // opens: a stub keeps the bundle free of it.
  plugins: [{
    name: 'stub-sqlite3',
    setup(b) {
      b.onResolve({ filter: /^sqlite3$/ }, () => ({ path: 'sqlite3', namespace: 'stub' }));
      b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
        contents: "class Database { constructor() { throw new Error('sqlite3 is not part of the GPU check bundle'); } }\nmodule.exports = { Database, verbose() { return module.exports; } };",
        loader: 'js',
      }));
    },
  }],
  logLevel: 'warning',
});

const wasmDir = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
for (const f of readdirSync(wasmDir).filter((f) => f.endsWith('.wasm'))) copyFileSync(join(wasmDir, f), join(outDir, f));
// The native addon is found from the nearest package.json named sparsenas (native-addon.ts).
writeFileSync(join(outDir, 'package.json'), JSON.stringify({ name: 'sparsenas', private: true, type: 'module' }, null, 2) + '\n');
const addon = join(root, 'build', 'Release', 'sparsenas_native.node');
if (existsSync(addon)) { mkdirSync(join(outDir, 'build', 'Release'), { recursive: true }); copyFileSync(addon, join(outDir, 'build', 'Release', 'sparsenas_native.node')); }
const dawn = join(root, 'node_modules', 'webgpu');
if (existsSync(dawn)) {
  const to = join(outDir, 'node_modules', 'webgpu');
  mkdirSync(to, { recursive: true });
  for (const f of ['index.js', 'package.json', 'LICENSE.md']) if (existsSync(join(dawn, f))) copyFileSync(join(dawn, f), join(to, f));
  cpSync(join(dawn, 'dist', `${process.platform}-${process.arch}`), join(to, 'dist', `${process.platform}-${process.arch}`), { recursive: true });
} else {
  console.warn('the webgpu package is not installed: the bundle will report webgpu as unavailable');
}
writeFileSync(join(outDir, 'run.sh'), '#!/bin/sh\n# GPU check, offline: writes gpu-check-<date>.json in the current directory.\nexec node "$(dirname "$0")/check.mjs" "$@"\n');
chmodSync(join(outDir, 'run.sh'), 0o755);
console.log(`wrote ${outDir}`);
