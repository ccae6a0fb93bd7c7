import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nativeAvailable } from '../../../evaluators/kernels/native/index.js';
import { runNativeChild } from './native-child.js';

const status = nativeAvailable();

/**
 * The native pool backs off: a waiting worker or caller spins at most `spinLimit` rounds and
 * then sleeps on a condition variable (so oversubscribed processes do not burn each other's
 * CPU), and the results of the kernels do not depend on who ran which task: workers awake,
 * workers asleep, or every task on the calling thread after a late worker. Runs in a child with
 * a 2-thread pool, whatever the machine's CPU count. Nothing here measures time: the self-test
 * job holds a worker's task until the caller is asleep, so the caller must sleep.
 */
test('native pool: bounded spin then sleep for workers and caller; same bits whoever runs the tasks', { skip: status.ok ? false : `skipped: ${status.reason}` }, () => {
  const r = runNativeChild<{
    same: boolean[]; asleepBefore: number; asleepAfter: number;
    selfTest: Record<string, number>; stats: Record<string, number>;
  }>(`
    const addon = m.loadNativeAddon().addon;
    const a = tf.tensor(rnd(256 * 384), [256, 384]);
    const b = tf.tensor(rnd(384 * 320), [384, 320]);
    const x = tf.tensor(rnd(32 * 12 * 12 * 8), [32, 12, 12, 8]);
    const dy = tf.tensor(rnd(32 * 12 * 12 * 16), [32, 12, 12, 16]);
    const big = tf.tensor(rnd(300000), [300000]);
    const hash = () => {
      const outs = [
        tf.engine().runKernel('BatchMatMul', { a, b }, { transposeA: false, transposeB: false }),
        tf.engine().runKernel('BatchMatMul', { a: b, b: a }, { transposeA: true, transposeB: true }),
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 8, 16] }),
        tf.engine().runKernel('Sum', { x: a }, { axis: [0], keepDims: false }),
        tf.engine().runKernel('Multiply', { a: big, b: big }, {}),
      ];
      const h = outs.map((t) => Buffer.from(t.dataSync().buffer).toString('base64')).join('|');
      tf.dispose(outs);
      return h;
    };
    const hot = hash();
    const hotAgain = hash();
    const asleepBefore = addon.poolWaitIdle(60000);
    const afterIdle = hash();
    addon.poolSelfTest(60000, 1000);
    const selfTest = addon.poolStats();
    const serial = hash();
    const stats = addon.poolStats();
    const asleepAfter = addon.poolWaitIdle(60000);
    console.log(JSON.stringify({ same: [hotAgain, afterIdle, serial].map((h) => h === hot), asleepBefore, asleepAfter, selfTest, stats }));
  `, { threads: 2, seed: 3, timeoutMs: 240_000 });
  assert.equal(r.stats.threads, 2);
  assert.deepEqual(r.same, [true, true, true], 'results changed with who ran the tasks (hot pool, sleeping workers, caller alone)');
  // Workers stop spinning: the one worker is asleep once the pool is idle, before and after.
  assert.equal(r.asleepBefore, 1);
  assert.equal(r.asleepAfter, 1);
  assert.ok(r.stats.workerSleeps >= 1);
  assert.ok(r.stats.maxWorkerSpins <= r.stats.spinLimit, `a worker spun ${r.stats.maxWorkerSpins} rounds (limit ${r.stats.spinLimit})`);
  // The caller stops spinning: the self-test's worker held its task until the caller slept.
  assert.ok(r.selfTest.callerSleeps >= 1, 'the caller never slept while a worker held the last task');
  assert.ok(r.stats.maxCallerSpins <= r.stats.spinLimit, `the caller spun ${r.stats.maxCallerSpins} rounds (limit ${r.stats.spinLimit})`);
  // After the self-test, the next jobs ran on the calling thread alone, and gave the same bits.
  assert.ok(r.stats.serialJobs > r.selfTest.serialJobs, 'no job ran on the calling thread alone after the self-test');
});
