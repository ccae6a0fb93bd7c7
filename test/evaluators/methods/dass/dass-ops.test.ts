import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng, DARTS_OPS, DENSE_SPARSITY, type Architecture, type DartsOp, type JsonObject, type TrainingConfig } from '../../../../search/index.js';
import { buildNetwork } from '../../../../evaluators/network/build-network.js';
import { StaticMethod } from '../../../../evaluators/sparse/index.js';
import { syntheticDataset } from '../../../../evaluators/synthetic-dataset.js';
import { createMethodTools, DassMethod, type Batch } from '../../../../evaluators/methods/index.js';
import { initialScores, keptCount, straightThroughWeight, tieRanks, topKMask } from '../../../../evaluators/methods/dass/index.js';
import type { MaskedParam } from '../../../../evaluators/sparse/types.js';
import { installKernels } from '../../../../evaluators/kernels/index.js';
import { TRAINING, useBackend } from '../../helpers.js';

// Conv gradients on a stock backend: cpu, tiny shapes (a 6×6 input, C = 2, two nodes).
await useBackend('cpu');
installKernels('cpu'); // the exact AvgPoolGrad of 'same' pools (the finite differences see the forward)

const shape = [6, 6, 1];
const data = syntheticDataset({ shape, classes: 3, train: 24, validation: 16, test: 4 }, 5);
const supernet = (ops: DartsOp[] = [...DARTS_OPS], nodes = 2): Architecture => ({
  family: 'darts', input: 'image', sparsity: { ...DENSE_SPARSITY },
  layers: [{ type: 'cells', name: 'cells', channels: 2, cells: 3, stemMultiplier: 1, supernet: { nodes, ops } }, { type: 'globalAvgPool' }],
});
const training: TrainingConfig = { ...TRAINING, epochs: 3, batchSize: 8 };

/** A built network with the dass method as the evaluator would create it (no training loop). */
function setup(a: Architecture, options: JsonObject, seed = 4) {
  const net = buildNetwork(a, shape, 3, 7);
  const sparse = new StaticMethod();
  sparse.init(net.params, a.sparsity, createRng(1), 10);
  let method: DassMethod | undefined;
  const tools = createMethodTools({ net, sparse, dataset: data, seed, training, method: () => method });
  method = new DassMethod({ options, net, training, dataset: data, seed, totalSteps: 9, tools });
  const dispose = () => { method!.dispose(); sparse.dispose(); net.dispose(); };
  return { net, sparse, tools, method, dispose };
}
const phases = { pretrainEpochs: 1, pruneEpochs: 1, finetuneEpochs: 1 };
const batchOf = (tools: ReturnType<typeof setup>['tools']): Batch => tools.batches('validation', 16, 'test')();
const disposeBatch = (b: Batch) => tf.dispose([b.x, b.y, b.labels]);

test('top-k mask: the exact count at every sparsity up to 0.99, ties broken by the seed', () => {
  for (const [n, s] of [[10, 0.9], [100, 0.29], [1000, 0.99], [8, 0.99], [50, 0]] as const) {
    const keep = keptCount(n, s);
    assert.equal(keep, Math.max(1, n - Math.floor(s * n + 1e-9)));
    const rng = createRng(n);
    const scores = Float32Array.from({ length: n }, () => Math.round(rng.normal() * 3) / 3); // many ties
    const mask = topKMask(scores, keep, tieRanks(1, 'l', n));
    assert.equal(mask.reduce((a, b) => a + b, 0), keep, `n=${n} s=${s}`);
    const kept = [...mask.keys()].filter((i) => mask[i]);
    const threshold = Math.min(...kept.map((i) => Math.abs(scores[i]!)));
    assert.ok([...mask.keys()].every((i) => mask[i] || Math.abs(scores[i]!) <= threshold), 'every dropped |S| is ≤ every kept one');
  }
  const ties = new Float32Array(40).fill(0.5);
  const a = topKMask(ties, 10, tieRanks(1, 'l', 40)), b = topKMask(ties, 10, tieRanks(1, 'l', 40)), c = topKMask(ties, 10, tieRanks(2, 'l', 40));
  assert.deepEqual(a, b, 'same seed, same tie-break');
  assert.notDeepEqual(a, c, 'another seed breaks ties otherwise');
});

test('∂L/∂S is the straight-through formula dL/dW_eff ⊙ W ⊙ sign(S); ∂L/∂W = dL/dW_eff ⊙ M; the value is W ⊙ M', () => {
  const rng = createRng(3);
  const r = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const [W, S, C] = [r(12), r(12), r(12)];
  const mask = topKMask(S, 5, tieRanks(1, 'x', 12));
  tf.tidy(() => {
    const w = tf.tensor(W, [3, 4]), s = tf.tensor(S, [3, 4]), m = tf.tensor(mask, [3, 4]), c = tf.tensor(C, [3, 4]);
    // L = Σ c ⊙ tanh(W_eff): dL/dW_eff = c ⊙ (1 − tanh²(W_eff)).
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(c, tf.tanh(straightThroughWeight(a, b, m))));
    const [gw, gs] = tf.grads(f)([w, s]);
    const weff = tf.mul(w, m);
    const dy = tf.mul(c, tf.sub(1, tf.square(tf.tanh(weff))));
    assert.deepEqual(Array.from(straightThroughWeight(w, s, m).dataSync()), Array.from(weff.dataSync()));
    const close = (a: tf.Tensor, b: tf.Tensor) => a.dataSync().forEach((v, i) => assert.ok(Math.abs(v - b.dataSync()[i]!) < 1e-6, `entry ${i}: ${v} vs ${b.dataSync()[i]}`));
    close(gs!, tf.mul(tf.mul(dy, w), tf.sign(s)));
    close(gw!, tf.mul(dy, m));
  });
});

test('scores start at sqrt(6/fan_in)·W/max|W| when pruning starts, and the masks keep the exact count', () => {
  const { net, method, dispose } = setup(supernet(), { ...phases, sparsity: 0.75 });
  try {
    const before = new Map(net.params.map((p) => [p, p.weight.dataSync().slice()]));
    method.enterPhase('prune');
    for (const p of net.params) {
      const w = before.get(p)!;
      const fan = p.layerType === 'dense' ? p.weight.shape[0]! : p.layerType === 'depthwiseConv2d' ? p.weight.shape[0]! * p.weight.shape[1]! : p.weight.shape[0]! * p.weight.shape[1]! * p.weight.shape[2]!;
      const scale = Math.sqrt(6 / fan) / Math.max(...w.map(Math.abs));
      const s = method.scoresOf(p)!.dataSync();
      s.forEach((v, i) => assert.ok(Math.abs(v - w[i]! * scale) < 1e-6 * Math.max(1, Math.abs(v)), `${p.name}[${i}]`));
      assert.equal(Array.from(p.mask.dataSync()).reduce((a, b) => a + b, 0), keptCount(p.weight.size, 0.75), p.name);
    }
    const s0 = initialScores(net.params[0]!);
    s0.dispose();
  } finally {
    dispose();
  }
});

/** ∂L_val/∂α of the normal cell on a validation batch (training-mode forward, as the α step). */
function alphaGrad(m: ReturnType<typeof setup>, batch: Batch): Float32Array {
  const { loss, grads } = m.tools.gradients(batch, [m.method.alpha!.normal, m.method.alpha!.reduce]);
  const g = grads[m.method.alpha!.normal.name]!.dataSync().slice() as Float32Array;
  tf.dispose([loss, ...Object.values(grads)]);
  return g;
}

test('∂L_val/∂α: non-zero, a finite difference of the masked validation loss, and not the dense one when k < 1', () => {
  const before = tf.memory().numTensors;
  const m = setup(supernet(), { ...phases, sparsity: 0.8 });
  const batch = batchOf(m.tools);
  try {
    const dense = alphaGrad(m, batch);
    m.method.enterPhase('prune');
    const masked = alphaGrad(m, batch);
    assert.ok(masked.some((v) => v !== 0), 'the α gradient is non-zero');
    const diff = Math.max(...masked.map((v, i) => Math.abs(v - dense[i]!)));
    assert.ok(diff > 1e-3 * Math.max(...masked.map(Math.abs)), `the masked gradient differs from the dense one (max diff ${diff})`);
    // Central difference of the masked loss on the largest entries.
    const loss = () => tf.tidy(() => m.tools.loss(batch, true).dataSync()[0]!);
    const order = [...masked.keys()].sort((a, b) => Math.abs(masked[b]!) - Math.abs(masked[a]!)).slice(0, 3);
    const alpha = m.method.alpha!.normal;
    const h = 1e-3; // BN makes the loss strongly curved in α: a small step
    for (const i of order) {
      const base = alpha.dataSync().slice();
      const at = (d: number) => { const v = base.slice(); v[i] += d; tf.tidy(() => alpha.assign(tf.tensor(v, alpha.shape))); const l = loss(); m.net.discardBatchNorm(); return l; };
      const fd = (at(h) - at(-h)) / (2 * h);
      tf.tidy(() => alpha.assign(tf.tensor(base, alpha.shape)));
      assert.ok(Math.abs(fd - masked[i]!) < 0.05 * Math.abs(masked[i]!) + 1e-3, `α[${i}]: analytic ${masked[i]} vs finite difference ${fd}`);
    }
  } finally {
    disposeBatch(batch);
    m.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

/** Every value of the network's weights, BN statistics included, by name. */
function snapshot(net: ReturnType<typeof setup>['net']): Map<string, Float32Array> {
  const named = net.namedWeights((p: MaskedParam) => tf.clone(p.weight));
  const out = new Map(named.map((n) => [n.name, n.tensor.dataSync().slice() as Float32Array]));
  tf.dispose(named.map((n) => n.tensor));
  return out;
}

test('the α step leaves W, S and the BN statistics untouched; the W/S step leaves α untouched', async () => {
  const m = setup(supernet(), { ...phases, sparsity: 0.8, alpha: { learningRate: 0.1 } });
  try {
    m.method.enterPhase('prune');
    const w0 = snapshot(m.net);
    const s0 = m.net.params.map((p) => m.method.scoresOf(p)!.dataSync().slice());
    const a0 = m.method.alpha!.normal.dataSync().slice();
    await m.method.beforeStep({ step: 4, totalSteps: 9, learningRate: 0.01, epoch: 2, optimizer: tf.train.sgd(0.01) });
    assert.notDeepEqual(m.method.alpha!.normal.dataSync(), a0, 'α moved');
    assert.deepEqual(snapshot(m.net), w0, 'weights and BN statistics unchanged');
    m.net.params.forEach((p, i) => assert.deepEqual(m.method.scoresOf(p)!.dataSync(), s0[i]));
    // A score step, then a weight step (fine-tune) as the loop runs them: α never moves.
    const a1 = m.method.alpha!.normal.dataSync().slice(), r1 = m.method.alpha!.reduce.dataSync().slice();
    const opt = tf.train.sgd(0.5);
    for (const phase of ['prune', 'finetune'] as const) {
      m.method.enterPhase(phase);
      const w1 = snapshot(m.net);
      const batch = m.tools.batches('train', 8, 'x')();
      m.method.step(batch, { step: 5, totalSteps: 9, learningRate: 0.5, epoch: 2, optimizer: opt });
      m.net.commitBatchNorm();
      m.method.afterStep();
      disposeBatch(batch);
      assert.deepEqual(m.method.alpha!.normal.dataSync(), a1, `α unchanged by the ${phase} step`);
      assert.deepEqual(m.method.alpha!.reduce.dataSync(), r1);
      if (phase === 'prune') {
        assert.ok(m.net.params.some((p, i) => m.method.scoresOf(p)!.dataSync().some((v, j) => v !== s0[i]![j])), 'the scores moved');
        const w2 = snapshot(m.net);
        for (const [k, v] of w1) if (!/moving/.test(k)) assert.deepEqual(w2.get(k), v, `${k}: W is fixed while pruning`);
      } else {
        assert.notDeepEqual(snapshot(m.net), w1, 'W moved in the fine-tune');
      }
    }
    opt.dispose();
  } finally {
    m.dispose();
  }
});

test('a large α on one op makes every edge that op', () => {
  const ops: DartsOp[] = ['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3'];
  const mixed = setup(supernet(ops), { ...phases, sparsity: 0 });
  const single = setup(supernet(['sep_conv_3x3']), { ...phases, sparsity: 0 });
  try {
    // The same kernels (initialised by name), so the networks differ only in the edges' mixtures.
    const all = snapshot(mixed.net);
    for (const [name, v] of snapshot(single.net)) assert.deepEqual(all.get(name), v, name);
    const hot = ops.indexOf('sep_conv_3x3');
    for (const v of [mixed.method.alpha!.normal, mixed.method.alpha!.reduce]) {
      tf.tidy(() => v.assign(tf.oneHot(tf.fill([v.shape[0]!], hot, 'int32'), ops.length).mul(200)));
    }
    const x = tf.tensor4d(Float32Array.from(data.validation.x.slice(0, 4 * 36)), [4, 6, 6, 1]);
    const logits = (m: typeof mixed) => tf.tidy(() => m.net.apply(x, m.method.forwardOptions({ training: false })).dataSync());
    const a = logits(mixed), b = logits(single);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-5, `logit ${i}: ${v} vs ${b[i]}`));
    x.dispose();
  } finally {
    mixed.dispose();
    single.dispose();
  }
});
