import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../search/index.js';
import { createSparseMethod, gmpSchedule, gmpSparsityAt, isGmpStep } from '../../../evaluators/sparse/index.js';
import { spec, ToyNet, trainStep, useCpu, zeros } from './sparse-fixtures.js';

before(useCpu);

test('cubic schedule of Zhu & Gupta: s_i at t0, s_f at t_end, (1 − p)^3 between', () => {
  const s = gmpSchedule(1000, 0.1, 0.6, 100, 0.2, 0.9);
  assert.deepEqual([s.t0, s.tEnd], [100, 600]);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(gmpSparsityAt(100, s), 0.2);
  assert.ok(Math.abs(gmpSparsityAt(350, s) - (0.9 + (0.2 - 0.9) * 0.125)) < 1e-12);
  assert.equal(gmpSparsityAt(600, s), 0.9);
  assert.equal(gmpSparsityAt(900, s), 0.9);
  close(gmpSparsityAt(0, s), 0.2);
  const steps = [...Array(1001).keys()].filter((t) => isGmpStep(t, s));
  assert.deepEqual(steps, [100, 200, 300, 400, 500, 600]);
  // t_end is always a pruning step even off the Δt grid
  const off = gmpSchedule(100, 0, 0.75, 10, 0, 0.5);
  assert.deepEqual([...Array(101).keys()].filter((t) => isGmpStep(t, off)), [0, 10, 20, 30, 40, 50, 60, 70, 75]);
});

test('GMP prunes each layer to round(s_t·n) at the pruning steps only, never decreasing', () => {
  const net = new ToyNet(5);
  const total = 40;
  const s = spec({ method: 'gmp', level: 0.8, distribution: 'erk', gmpStart: 0.1, gmpEnd: 0.6, gmpEvery: 5, gmpInitial: 0.2 });
  const sm = createSparseMethod(s);
  sm.init(net.params, s, createRng(1), total);
  const sched = gmpSchedule(total, 0.1, 0.6, 5, 0.2, 0.8);
  const expectedZeros = (i: number, t: number): number => {
    const p = net.params[i]!;
    const sf = p.targetSparsity;
    return Math.round(gmpSparsityAt(t, { ...sched, initial: 0.2 * sf / 0.8, final: sf }) * p.mask.size);
  };
  net.params.forEach((p, i) => assert.equal(zeros(p.mask), expectedZeros(i, 0), `${p.name} at init`));
  let prev = net.params.map((p) => zeros(p.mask));
  const opt: tf.Optimizer = tf.train.adam(0.01);
  for (let step = 1; step <= total; step++) {
    trainStep(net, sm, opt, { step, totalSteps: total, learningRate: 0.01 });
    const now = net.params.map((p) => zeros(p.mask));
    net.params.forEach((p, i) => {
      assert.ok(now[i]! >= prev[i]!, `${p.name} sparsity decreased at ${step}`);
      if (isGmpStep(step, sched)) assert.equal(now[i], Math.max(prev[i]!, expectedZeros(i, step)), `${p.name} step ${step}`);
      else assert.equal(now[i], prev[i], `${p.name} changed off-schedule at ${step}`);
    });
    prev = now;
  }
  // final: each layer at its ERK target, whole network at the global level (same weights counted)
  const all = net.params.reduce((a, p) => a + p.mask.size, 0);
  assert.equal(prev.reduce((a, b) => a + b, 0), Math.round(0.8 * all));
  sm.dispose();
  opt.dispose();
  net.dispose();
});
