import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng, type SparsitySpec } from '../../../search/index.js';
import { createSparseMethod, type MaskedParam } from '../../../evaluators/sparse/index.js';
import { spec, ToyNet, trainStep, useCpu, values, zeros } from './sparse-fixtures.js';

before(useCpu);

const CASES: Partial<SparsitySpec>[] = [
  { method: 'static', init: 'magnitude' },
  { method: 'static', init: 'random', distribution: 'erk' },
  { method: 'gmp', gmpEvery: 2, gmpEnd: 0.5 },
  { method: 'rigl', init: 'random', updateEvery: 3, distribution: 'erk' },
  { method: 'set', init: 'random', updateEvery: 3 },
  { kind: 'group', group: 'filter', method: 'static' },
  { kind: 'group', group: 'channel', method: 'gmp', gmpEvery: 2, gmpEnd: 0.5 },
];
const TOTAL = 12;

function checkMasked(p: MaskedParam, label: string): void {
  const w = values(p.weight);
  const m = values(p.mask);
  for (let i = 0; i < w.length; i++) {
    assert.ok(m[i] === 0 || m[i] === 1, `${label}: mask is not binary`);
    if (m[i] === 0) assert.ok(w[i] === 0, `${label}: masked weight ${i} of ${p.name} is ${w[i]}`);
  }
}

for (const over of CASES) {
  const s = spec({ level: 0.7, ...over });
  const label = `${s.kind}/${s.method}/${s.init}/${s.distribution}`;
  test(`${label}: masked weights stay exactly zero through Adam steps, at the exact count`, () => {
    const net = new ToyNet(7);
    const method = createSparseMethod(s);
    method.init(net.params, s, createRng(11), TOTAL);
    const opt: tf.Optimizer = tf.train.adam(0.05);
    const losses: number[] = [];
    for (let step = 1; step <= TOTAL; step++) {
      losses.push(trainStep(net, method, opt, { step, totalSteps: TOTAL, learningRate: 0.05 }));
      for (const p of net.params) {
        checkMasked(p, `${label} step ${step}`);
        // the forward pass sees exactly W ⊙ M
        const eff = method.effectiveWeight(p);
        assert.deepEqual(values(eff), values(p.weight).map((v, i) => v * values(p.mask)[i]!));
        eff.dispose();
      }
    }
    // at the end (GMP reached t_end = 6) each layer holds round(target·n) zeros in its mask
    for (const p of net.params) {
      const n = p.mask.size;
      if (s.kind === 'group') {
        const groups = p.weight.shape[s.group === 'channel' ? p.inputAxis : p.outputAxis]!;
        assert.equal(zeros(p.mask), Math.round(p.targetSparsity * groups) * (n / groups), `${label} ${p.name}`);
      } else {
        assert.equal(zeros(p.mask), Math.round(p.targetSparsity * n), `${label} ${p.name}`);
      }
    }
    const sparse = net.params.filter((p) => p.targetSparsity > 0);
    assert.ok(sparse.length >= 2, `${label}: at least two sparse layers`);
    assert.ok(losses[TOTAL - 1]! < losses[0]!, `${label}: the toy regression trains (${losses[0]} → ${losses[TOTAL - 1]})`);
    method.dispose();
    opt.dispose();
    net.dispose();
  });

  test(`${label}: no tensor leaks across init, steps and dispose`, () => {
    const net = new ToyNet(3);
    const before = tf.memory().numTensors;
    const method = createSparseMethod(s);
    method.init(net.params, s, createRng(2), TOTAL);
    // plain SGD written out, so no optimiser slots are created
    for (let step = 1; step <= TOTAL; step++) {
      const ctx = { step, totalSteps: TOTAL, learningRate: 0.05 };
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => net.loss(net.params.map((p) => method.effectiveWeight(p))), net.params.map((p) => p.weight));
        for (const p of net.params) p.weight.assign(tf.sub(p.weight, tf.mul(0.05, grads[p.weight.name]!)));
      });
      const dense = method.wantsDenseGradient(ctx)
        ? new Map(net.params.map((p) => [p.name, tf.randomNormal(p.weight.shape)]))
        : undefined;
      method.afterStep(net.params, ctx, dense);
      dense?.forEach((g) => g.dispose());
    }
    method.dispose();
    assert.equal(tf.memory().numTensors, before);
    net.dispose();
  });
}

test('the same seed reproduces the masks; another seed gives another random mask', () => {
  const masksFor = (seed: number, netSeed = 1): Float32Array[] => {
    const net = new ToyNet(netSeed);
    const s = spec({ method: 'set', init: 'random', updateEvery: 2 });
    const method = createSparseMethod(s);
    method.init(net.params, s, createRng(seed), 8);
    const opt: tf.Optimizer = tf.train.sgd(0.1);
    for (let step = 1; step <= 4; step++) trainStep(net, method, opt, { step, totalSteps: 8, learningRate: 0.1 });
    const out = net.params.map((p) => values(p.mask));
    method.dispose();
    opt.dispose();
    net.dispose();
    return out;
  };
  assert.deepEqual(masksFor(5), masksFor(5));
  assert.notDeepEqual(masksFor(5), masksFor(6));
});

test('keepFirstDense and keepLastDense leave those layers dense through training', () => {
  const net = new ToyNet(4);
  const s = spec({ method: 'rigl', init: 'random', updateEvery: 2, keepFirstDense: true, keepLastDense: true });
  const method = createSparseMethod(s);
  method.init(net.params, s, createRng(1), 8);
  const opt: tf.Optimizer = tf.train.adam(0.01);
  const firstBefore = values(net.params[0]!.weight);
  for (let step = 1; step <= 6; step++) trainStep(net, method, opt, { step, totalSteps: 8, learningRate: 0.01 });
  const [first, hidden, last] = net.params as [MaskedParam, MaskedParam, MaskedParam];
  // the dense layers' effective weight (a clone, no mask multiply) still carries the gradient
  assert.ok(values(first.weight).every((v, i) => v !== firstBefore[i]), 'the kept-dense first layer trains');
  assert.deepEqual([first.targetSparsity, last.targetSparsity], [0, 0]);
  assert.equal(zeros(first.mask) + zeros(last.mask), 0);
  assert.equal(zeros(hidden.mask), Math.round(0.8 * hidden.mask.size));
  method.dispose();
  opt.dispose();
  net.dispose();
});

test('group masks remove whole filters / input channels, keeping the largest-norm ones', () => {
  for (const group of ['filter', 'channel'] as const) {
    const net = new ToyNet(8, 8, 8);
    const s = spec({ kind: 'group', group, method: 'static', level: 0.5 });
    const method = createSparseMethod(s);
    method.init(net.params, s, createRng(1), 4);
    for (const p of net.params) {
      const axis = group === 'channel' ? p.inputAxis : p.outputAxis;
      if (group === 'filter' && p.role === 'classifier') {
        assert.equal(zeros(p.mask), 0, 'the classifier keeps every class');
        continue;
      }
      // recompute group norms from the mask-free weights is impossible after masking, so check
      // structure: every slice along the axis is all-zero or all-one
      const layout = sliceSums(values(p.mask), p.weight.shape, axis);
      const per = p.mask.size / p.weight.shape[axis]!;
      for (const sum of layout) assert.ok(sum === 0 || sum === per, `${group} ${p.name}: partial group`);
      assert.equal(layout.filter((x) => x === 0).length, Math.round(0.5 * layout.length));
    }
    method.dispose();
    net.dispose();
  }
});

test('group magnitude init keeps the groups of largest L2 norm', () => {
  const net = new ToyNet(2, 8, 8);
  const p = net.params[1]!;
  // make output units 0..3 of dense_1 tiny: they must be the ones pruned at 50%
  tf.tidy(() => {
    const scale = tf.tensor1d([0.01, 0.01, 0.01, 0.01, 1, 1, 1, 1]);
    p.weight.assign(tf.mul(p.weight, scale));
  });
  const s = spec({ kind: 'group', group: 'neuron', method: 'static', level: 0.5 });
  const method = createSparseMethod(s);
  method.init(net.params, s, createRng(1), 4);
  const sums = sliceSums(values(p.mask), p.weight.shape, p.outputAxis);
  assert.deepEqual(sums.map((x) => x > 0), [false, false, false, false, true, true, true, true]);
  method.dispose();
  net.dispose();
});

function sliceSums(v: Float32Array, shape: readonly number[], axis: number): number[] {
  const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Array<number>(shape[axis]!).fill(0);
  for (let i = 0; i < v.length; i++) out[Math.floor(i / stride) % shape[axis]!]! += v[i]!;
  return out;
}

test('init magnitude keeps the largest |w|; init random ignores magnitude', () => {
  for (const init of ['magnitude', 'random'] as const) {
    const net = new ToyNet(6);
    const p = net.params[1]!;
    const w0 = values(p.weight).map(Math.abs);
    const s = spec({ method: 'static', init, level: 0.5 });
    const method = createSparseMethod(s);
    method.init(net.params, s, createRng(1), 4);
    const m = values(p.mask);
    let minKept = Infinity;
    let maxPruned = -Infinity;
    m.forEach((v, i) => { if (v === 1) minKept = Math.min(minKept, w0[i]!); else maxPruned = Math.max(maxPruned, w0[i]!); });
    if (init === 'magnitude') assert.ok(minKept >= maxPruned);
    else assert.ok(maxPruned > minKept * 10, 'a random mask prunes large weights and keeps small ones');
    method.dispose();
    net.dispose();
  }
});

test('structural zeros already in the mask (node masks) count first, stay off and are never grown', () => {
  for (const over of [{ method: 'static' }, { method: 'gmp', gmpEvery: 2, gmpEnd: 0.5 }, { method: 'rigl', init: 'random', updateEvery: 2 }, { method: 'set', init: 'random', updateEvery: 2 }, { kind: 'n:m', method: 'srste', n: 2, m: 4 }] as Partial<SparsitySpec>[]) {
    const net = new ToyNet(9);
    const hidden = net.params[1]!; // [144, 8]: remove output unit 2 and input rows 0..35
    const structural = new Float32Array(hidden.mask.size).fill(1);
    for (let i = 0; i < 144; i++) for (let o = 0; o < 8; o++) if (o === 2 || i < 36) structural[i * 8 + o] = 0;
    tf.tidy(() => { hidden.mask.assign(tf.tensor(structural, hidden.mask.shape)); });
    const s = spec({ level: 0.6, ...over });
    const method = createSparseMethod(s);
    method.init(net.params, s, createRng(1), 12);
    const opt: tf.Optimizer = tf.train.adam(0.05);
    const nnz0 = hidden.mask.size - zeros(hidden.mask);
    const budget = () => assert.equal(zeros(hidden.mask), Math.round(0.6 * hidden.mask.size), `${s.method}: structural zeros count towards the budget`);
    if (s.kind !== 'n:m' && s.method !== 'gmp') budget();
    for (let step = 1; step <= 12; step++) {
      trainStep(net, method, opt, { step, totalSteps: 12, learningRate: 0.05 });
      const m = values(hidden.mask);
      const w = values(hidden.weight);
      structural.forEach((v, i) => { if (v === 0) assert.ok(m[i] === 0 && w[i] === 0, `${s.method} step ${step}: structural ${i} came back`); });
      if (s.method === 'rigl' || s.method === 'set') assert.equal(hidden.mask.size - zeros(hidden.mask), nnz0);
    }
    if (s.method === 'gmp') budget();
    method.dispose();
    opt.dispose();
    net.dispose();
  }
});
