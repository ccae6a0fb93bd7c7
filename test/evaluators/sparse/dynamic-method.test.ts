import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng } from '../../../search/index.js';
import { createSparseMethod, DynamicMethod, dropFractionAt, SparseContractError } from '../../../evaluators/sparse/index.js';
import { makeParam, disposeParams, spec, ToyNet, trainStep, useCpu, values, zeros } from './sparse-fixtures.js';

before(useCpu);

for (const method of ['rigl', 'set'] as const) {
  test(`${method}: non-zeros per layer constant while the topology moves; grown weights start at 0`, () => {
    const net = new ToyNet(12);
    const s = spec({ method, init: 'random', level: 0.8, updateEvery: 2, dropFraction: 0.3 });
    const sm = createSparseMethod(s) as DynamicMethod;
    const total = 20;
    sm.init(net.params, s, createRng(4), total);
    const nnz = net.params.map((p) => p.mask.size - zeros(p.mask));
    const initial = net.params.map((p) => values(p.mask));
    const opt: tf.Optimizer = tf.train.adam(0.02);
    let updates = 0;
    let newlyGrown = 0;
    for (let step = 1; step <= total; step++) {
      const before = net.params.map((p) => values(p.mask));
      const asked = sm.wantsDenseGradient({ step, totalSteps: total, learningRate: 0.02 });
      assert.equal(asked, method === 'rigl' && step % 2 === 0 && step < 15, `step ${step}`);
      sm.lastUpdates = [];
      trainStep(net, sm, opt, { step, totalSteps: total, learningRate: 0.02 });
      net.params.forEach((p, i) => assert.equal(p.mask.size - zeros(p.mask), nnz[i], `${p.name} step ${step}`));
      if (sm.lastUpdates.length > 0) {
        updates++;
        for (const u of sm.lastUpdates) {
          const i = net.params.findIndex((p) => p.name === u.layer);
          const p = net.params[i]!;
          const w = values(p.weight);
          const kActive = nnz[i]!;
          assert.equal(u.dropped.length, Math.floor(dropFractionAt(step, 0.3, 15) * kActive));
          assert.equal(u.grown.length, u.dropped.length);
          for (const g of u.grown) {
            if (before[i]![g] === 0) {
              newlyGrown++;
              assert.ok(w[g] === 0, `${p.name}: grown weight ${g} is ${w[g]} at grow time`);
            }
          }
        }
      }
    }
    assert.equal(updates, 7, 'updates at steps 2, 4, …, 14 (t < 0.75·T = 15)');
    assert.ok(newlyGrown > 0, 'some connections were newly grown');
    const moved = net.params.some((p, i) => values(p.mask).some((v, j) => v !== initial[i]![j]));
    assert.ok(moved, 'the topology changed');
    sm.dispose();
    opt.dispose();
    net.dispose();
  });
}

test('RigL drops the smallest |w| and grows where |dense gradient| is largest (brute force)', () => {
  const rng = createRng(21);
  const p = makeParam('dense_0', [6, 5], rng);
  const s = spec({ method: 'rigl', init: 'random', level: 0.6, updateEvery: 10, dropFraction: 0.5 });
  const sm = createSparseMethod(s) as DynamicMethod;
  sm.init([p], s, createRng(3), 100);
  const w = values(p.weight);
  const mask = values(p.mask);
  const active = [...mask.keys()].filter((i) => mask[i] === 1);
  assert.equal(active.length, 12);
  // distinct gradient magnitudes, so the expected set is unique
  const gv = Float32Array.from(rng.shuffle([...Array(30).keys()]).map((x) => (x + 1) * (x % 2 ? 1 : -1)));
  // The weakest active weight (surely dropped) has the largest gradient: as in the RigL code, a
  // just-dropped connection competes for regrowth and, regrown, keeps its value.
  const weakest = active.reduce((a, b) => (Math.abs(w[b]!) < Math.abs(w[a]!) ? b : a));
  gv[weakest] = 1000;
  const grad = tf.tensor(gv, p.weight.shape);
  const step = 10;
  assert.equal(sm.wantsDenseGradient({ step, totalSteps: 100, learningRate: 0.1 }), true);
  sm.afterStep([p], { step, totalSteps: 100, learningRate: 0.1 }, new Map([[p.name, grad]]));
  const k = Math.floor(dropFractionAt(step, 0.5, 75) * 12);
  const expectDrop = active.slice().sort((a, b) => Math.abs(w[a]!) - Math.abs(w[b]!)).slice(0, k);
  const kept = new Set(active.filter((i) => !expectDrop.includes(i)));
  const expectGrow = [...Array(30).keys()].filter((i) => !kept.has(i)).sort((a, b) => Math.abs(gv[b]!) - Math.abs(gv[a]!)).slice(0, k);
  assert.ok(expectDrop.includes(weakest) && expectGrow.includes(weakest));
  const [u] = sm.lastUpdates;
  assert.deepEqual([...u!.dropped].sort((a, b) => a - b), expectDrop.sort((a, b) => a - b));
  assert.deepEqual([...u!.grown].sort((a, b) => a - b), expectGrow.sort((a, b) => a - b));
  const after = values(p.mask);
  const expectedMask = new Float32Array(30);
  for (const i of kept) expectedMask[i] = 1;
  for (const i of expectGrow) expectedMask[i] = 1;
  assert.deepEqual(after, expectedMask);
  // dropped weights are zeroed unless regrown; regrown-after-drop keep their value (RigL's reinit_when_same=False)
  const wAfter = values(p.weight);
  for (const i of expectDrop) assert.ok(expectGrow.includes(i) ? wAfter[i] === w[i] : wAfter[i] === 0);
  grad.dispose();
  sm.dispose();
  disposeParams([p]);
});

test('RigL refuses an update without the dense gradient', () => {
  const p = makeParam('dense_0', [4, 4], createRng(1));
  const s = spec({ method: 'rigl', level: 0.5, updateEvery: 1 });
  const sm = createSparseMethod(s);
  sm.init([p], s, createRng(1), 10);
  assert.throws(() => sm.afterStep([p], { step: 1, totalSteps: 10, learningRate: 0.1 }), SparseContractError);
  sm.dispose();
  disposeParams([p]);
});

test('cosine drop fraction: α at t = 0, α/2 at t_end/2, 0 at t_end', () => {
  assert.equal(dropFractionAt(0, 0.3, 100), 0.3);
  assert.ok(Math.abs(dropFractionAt(50, 0.3, 100) - 0.15) < 1e-12);
  assert.ok(Math.abs(dropFractionAt(100, 0.3, 100)) < 1e-12);
});
