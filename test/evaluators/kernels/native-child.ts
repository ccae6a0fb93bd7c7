import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const index = new URL('../../../evaluators/kernels/native/index.js', import.meta.url).href;

/**
 * Runs `body` in a child process on wasm with the native kernels installed and a pool of
 * `threads` threads (whatever this machine's CPU count), and returns the JSON of the last line it
 * prints. In scope: `tf`, `m` (the native kernels module) and `rnd(n)`, n seeded values in [-1, 1).
 */
export function runNativeChild<T>(body: string, o: { threads: number; seed: number; timeoutMs: number }): T {
  const script = `
    const tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    const m = await import(${JSON.stringify(index)});
    await tf.setBackend('wasm');
    m.installNativeKernels();
    let s = ${o.seed};
    const rnd = (n) => Float32Array.from({ length: n }, () => { s = (s * 1103515245 + 12345) >>> 0; return s / 2147483648 - 1; });
    ${body}
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8', env: { ...process.env, SPARSENAS_NATIVE_THREADS: String(o.threads) }, timeout: o.timeoutMs,
  });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as T;
}
