import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nativeAvailable } from '../../../evaluators/kernels/native/index.js';
import { runNativeChild } from './native-child.js';

const status = nativeAvailable();

/**
 * Issue 17 defect 10: seeded CNN runs were not bit-identical because the native filter gradient
 * summed one accumulator per pool thread, and which thread claimed which image chunk varied from
 * run to run. The same inputs must give the same bits every time (8 threads on fewer cores makes
 * the claim order vary a lot).
 */
test('the native Conv2DBackpropFilter gives the same bits on every run (fixed summation order)', { skip: status.ok ? false : `skipped: ${status.reason}` }, () => {
  const { distinct, threads } = runNativeChild<{ distinct: number; threads: number }>(`
    const x = tf.tensor(rnd(64 * 12 * 12 * 8), [64, 12, 12, 8]);
    const dy = tf.tensor(rnd(64 * 12 * 12 * 16), [64, 12, 12, 16]);
    const hashes = new Set();
    for (let i = 0; i < 40; i++) {
      const g = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 8, 16] });
      hashes.add(Buffer.from(g.dataSync().buffer).toString('base64'));
      g.dispose();
    }
    console.log(JSON.stringify({ distinct: hashes.size, threads: m.loadNativeAddon().addon.info().threads }));
  `, { threads: 8, seed: 7, timeoutMs: 120_000 });
  assert.equal(threads, 8);
  assert.equal(distinct, 1, `40 runs of the same filter gradient gave ${distinct} different results`);
});
