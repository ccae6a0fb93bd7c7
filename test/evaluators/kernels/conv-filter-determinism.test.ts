import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { nativeAvailable } from '../../../evaluators/kernels/native/index.js';

const status = nativeAvailable();

/**
 * Issue 17 defect 10: seeded CNN runs were not bit-identical because the native filter gradient
 * summed one accumulator per pool thread, and which thread claimed which image chunk varied from
 * run to run. The same inputs must give the same bits every time (8 threads on fewer cores makes
 * the claim order vary a lot).
 */
test('the native Conv2DBackpropFilter gives the same bits on every run (fixed summation order)', { skip: status.ok ? false : `skipped: ${status.reason}` }, () => {
  const index = new URL('../../../evaluators/kernels/native/index.js', import.meta.url).href;
  const script = `
    const tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    const m = await import(${JSON.stringify(index)});
    await tf.setBackend('wasm');
    m.installNativeKernels();
    let s = 7;
    const rnd = (n) => Float32Array.from({ length: n }, () => { s = (s * 1103515245 + 12345) >>> 0; return s / 2147483648 - 1; });
    const x = tf.tensor(rnd(64 * 12 * 12 * 8), [64, 12, 12, 8]);
    const dy = tf.tensor(rnd(64 * 12 * 12 * 16), [64, 12, 12, 16]);
    const hashes = new Set();
    for (let i = 0; i < 40; i++) {
      const g = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 8, 16] });
      hashes.add(Buffer.from(g.dataSync().buffer).toString('base64'));
      g.dispose();
    }
    console.log(JSON.stringify({ distinct: hashes.size, threads: m.loadNativeAddon().addon.info().threads }));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8', env: { ...process.env, SPARSENAS_NATIVE_THREADS: '8' }, timeout: 120_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const { distinct, threads } = JSON.parse(run.stdout.trim().split('\n').pop()!) as { distinct: number; threads: number };
  assert.equal(threads, 8);
  assert.equal(distinct, 1, `40 runs of the same filter gradient gave ${distinct} different results`);
});
