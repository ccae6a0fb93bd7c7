import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_DEFINITION, type Architecture, type JsonObject, type StudyDefinition, type TrainingConfig, type TrainingMethodConfig } from '../../../../search/index.js';
import { buildNetwork } from '../../../../evaluators/network/build-network.js';
import { BUILT_IN_TRAINING_METHODS, TrainingMethodRegistry } from '../../../../evaluators/methods/index.js';
import { envelopePenalty, GroupProxMethod, groupedKernels, proxGroups, type GroupProxOptions } from '../../../../evaluators/methods/wgsef/index.js';
import { syntheticDataset } from '../../../../evaluators/synthetic-dataset.js';
import { TfjsEvaluator } from '../../../../evaluators/tfjs-evaluator.js';
import { StaticMethod } from '../../../../evaluators/sparse/index.js';
import { trainNetwork } from '../../../../evaluators/train.js';
import { createRng } from '../../../../search/index.js';
// The strategy's readers of what the method reports: the two sides of the contract, tested together.
import { deriveArchitecture, parseGroupedOutputs } from '../../../../strategies/wgsef/index.js';
import { arch, recorder, TRAINING, useBackend } from '../../helpers.js';

await useBackend('wasm');
const data = syntheticDataset({ shape: [12], classes: 3, train: 240, validation: 60, test: 30 }, 3);
const definition: StudyDefinition = { ...DEFAULT_DEFINITION, backend: 'wasm', dataset: { name: 'blobs', validationFraction: 0.2 } };

const mlp = (): Architecture => arch([{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 12, activation: 'relu' }]);
const spec = (o: Partial<GroupProxOptions> = {}): GroupProxOptions => ({
  penalty: 'envelope', k: 4, scope: 'layer', groups: 'neuron',
  lambda: { initial: 0.5, growth: 3, max: 500 }, finetuneEpochs: 1, ...o,
});

/** `training.method` of a spec: group lasso is its own method, without a penalty option. */
function methodOf(s: GroupProxOptions): TrainingMethodConfig {
  const { penalty, ...rest } = s;
  const options = { ...rest, lambda: { ...rest.lambda } } as unknown as JsonObject;
  return penalty === 'group-lasso' ? { name: 'group-lasso', options } : { name: 'wgsef', options: { ...options, penalty } };
}

/** The prox runs after the loop's optimiser step and never touches the optimiser it is handed. */
const loopOptimizer = tf.train.sgd(0);
const step = (n: number, totalSteps: number, learningRate: number) => ({ step: n, totalSteps, learningRate, epoch: 1, optimizer: loopOptimizer });

/** Columns of a dense kernel [in, out] plus the bias entry: the neuron groups. */
function neuronGroups(w: tf.Tensor, b: tf.Tensor): Float64Array[] {
  const [rows, cols] = w.shape as [number, number];
  const wv = w.dataSync();
  const bv = b.dataSync();
  return Array.from({ length: cols }, (_, j) => Float64Array.from({ length: rows + 1 }, (_, i) => (i < rows ? wv[i * cols + j]! : bv[j]!)));
}

test('one step applies the exact group prox to every hidden kernel (columns + bias), step η·λ', () => {
  const net = buildNetwork(mlp(), data.shape, data.classes, 1);
  const before = tf.memory().numTensors;
  const kernels = groupedKernels(net, 'neuron');
  assert.deepEqual(kernels.map((g) => [g.layer, g.count, g.axis, !!g.bias]), [['dense_0', 16, 1, true], ['dense_1', 12, 1, true]]);
  // non-zero biases so the bias really is part of the group
  tf.tidy(() => kernels.forEach((g) => g.bias!.assign(tf.randomNormal([g.count], 0, 0.3, 'float32', 5))));
  const expected = kernels.map((g) => proxGroups(neuronGroups(g.param.weight, g.bias!), 3, 0.02 * 2.5, { penalty: envelopePenalty }));
  const hook = new GroupProxMethod(spec({ k: 3, lambda: { initial: 2.5, growth: 2, max: 10 } }), net, { ...TRAINING, epochs: 3 });
  hook.afterStep(step(1, 10, 0.02));
  kernels.forEach((g, i) => {
    const got = neuronGroups(g.param.weight, g.bias!);
    got.forEach((col, j) => col.forEach((x, r) => assert.ok(Math.abs(x - expected[i]![j]![r]!) <= 1e-5, `${g.layer}[${r},${j}]: ${x} vs ${expected[i]![j]![r]}`)));
  });
  hook.dispose();
  assert.equal(tf.memory().numTensors, before, 'the prox step leaks no tensor');
  net.dispose();
});

test('when a prox step would leave ≤ k groups it is not applied: the top k (by norm before it) are kept unchanged, the rest zeroed', () => {
  const net = buildNetwork(mlp(), data.shape, data.classes, 1);
  const kernels = groupedKernels(net, 'neuron');
  const before = kernels.map((g) => neuronGroups(g.param.weight, g.bias!));
  // group lasso with a huge step would zero every group at once
  const hook = new GroupProxMethod(spec({ penalty: 'group-lasso', k: 3, lambda: { initial: 1e6, growth: 2, max: 1e7 } }), net, { ...TRAINING, epochs: 3 });
  hook.afterStep(step(1, 10, 0.01));
  const out = parseGroupedOutputs(hook.outputs());
  assert.equal(out.reachedK, true);
  kernels.forEach((g, i) => {
    const norms = before[i]!.map((c) => Math.hypot(...c));
    const top = norms.map((n, j) => [n, j] as const).sort((a, b) => b[0] - a[0]).slice(0, 3).map(([, j]) => j).sort((a, b) => a - b);
    assert.deepEqual(out.survivors[g.layer], top);
    const after = neuronGroups(g.param.weight, g.bias!);
    after.forEach((col, j) => col.forEach((x, r) => assert.ok(x === (top.includes(j) ? Math.fround(before[i]![j]![r]!) : 0), `${g.layer}[${r},${j}] = ${x}`)));
  });
  hook.afterStep(step(2, 10, 0.01));
  assert.deepEqual(parseGroupedOutputs(hook.outputs()).survivors, out.survivors, 'the mask stays fixed afterwards');
  hook.dispose();
  net.dispose();
});

async function train(s: GroupProxOptions, a: Architecture = mlp(), training: TrainingConfig = { ...TRAINING, epochs: 4 }) {
  const ev = new TfjsEvaluator({ loader: async () => data });
  await ev.prepare(definition);
  const before = tf.memory().numTensors;
  const r = recorder();
  const metrics = await ev.evaluate({
    studyName: 's', trialNumber: 0, seed: 9, dataset: definition.dataset, architecture: a,
    training: { ...training, method: methodOf(s) },
  }, r, new AbortController().signal);
  assert.equal(tf.memory().numTensors, before, 'no tensor leaks across a regularised trial');
  await ev.dispose();
  return { metrics, outputs: parseGroupedOutputs(metrics.outputs), raw: metrics.outputs as JsonObject, epochs: r.epochs };
}

test('WGSEF training ends with exactly k neurons per layer, reports them, and the derived network is that narrow', async () => {
  const { metrics, outputs, raw, epochs } = await train(spec());
  // Per epoch: λ (never decreasing), the non-zero groups per layer, and whether the top-k mask is fixed.
  const per = epochs.map((e) => e.outputs as { lambda: number; nonZeroGroups: Record<string, number>; projected: boolean });
  assert.equal(per.length, 4);
  per.slice(1).forEach((o, i) => assert.ok(o.lambda >= per[i]!.lambda));
  assert.deepEqual(per.at(-1), { lambda: outputs.finalLambda, nonZeroGroups: { dense_0: 4, dense_1: 4 }, projected: true });
  assert.equal(per[0]!.projected, false, 'the first epoch is proximal');
  assert.deepEqual(Object.keys(outputs.survivors), ['dense_0', 'dense_1']);
  for (const kept of Object.values(outputs.survivors)) assert.equal(kept.length, 4);
  assert.equal(raw['groups'], 'neuron');
  assert.ok(metrics.valAccuracy > 0.5, `accuracy ${metrics.valAccuracy} (chance 0.33)`);
  assert.ok(metrics.sparsity > 0.5, 'the dropped groups are counted as masked');
  const { architecture } = deriveArchitecture(mlp(), outputs.survivors);
  assert.deepEqual(architecture.layers.map((l) => l.type === 'dense' && l.units), [4, 4]);
});

test('after training the weights themselves have exactly k non-zero groups, the survivors; λ was raised to get there', async () => {
  const net = buildNetwork(mlp(), data.shape, data.classes, 2);
  const method = new StaticMethod();
  const training = { ...TRAINING, epochs: 4 };
  const hook = new GroupProxMethod(spec({ lambda: { initial: 0.5, growth: 2, max: 1e4, everySteps: 2 } }), net, training);
  try {
    method.init(net.params, mlp().sparsity, createRng(1), 100);
    await trainNetwork({ net, method, dataset: data, training, seed: 4, reporter: recorder(), trainingMethod: hook });
    const outputs = parseGroupedOutputs(hook.outputs());
    assert.ok(outputs.reachedK, 'λ reached ≤ k groups within the proximal phase');
    assert.ok(outputs.finalLambda > 0.5, `λ grew from 0.5 to ${outputs.finalLambda}`);
    for (const g of groupedKernels(net, 'neuron')) {
      const cols = neuronGroups(g.param.weight, g.bias!);
      const alive = cols.flatMap((c, j) => (c.some((x) => x !== 0) ? [j] : []));
      assert.deepEqual(alive, outputs.survivors[g.layer], `${g.layer}: non-zero columns are the survivors`);
      assert.equal(alive.length, 4);
    }
  } finally {
    hook.dispose();
    method.dispose();
    net.dispose();
  }
});

test('conv filter groups are output channels (axis 3) with their bias; separable layers group their pointwise filters', () => {
  const cnn = arch([
    { type: 'conv2d', filters: 6, kernel: 3, activation: 'relu' }, { type: 'maxPool', size: 2 },
    { type: 'separableConv2d', filters: 5, kernel: 3, activation: 'relu' }, { type: 'globalAvgPool' },
  ], {}, 'image');
  const net = buildNetwork(cnn, [8, 8, 1], 3, 1);
  const filters = groupedKernels(net, 'filter');
  assert.deepEqual(filters.map((g) => [g.layer, g.param.name, g.axis, g.count, !!g.bias]), [['conv_0', 'conv_0', 3, 6, true], ['sep_2', 'sep_2.pointwise', 3, 5, true]]);
  // channel groups: sep_2 is fed by conv_0 but is separable (left alone); the classifier is fed by sep_2 through global pooling
  assert.deepEqual(groupedKernels(net, 'channel').map((g) => [g.layer, g.param.name, g.axis, g.count]), [['sep_2', 'classifier', 0, 5]]);
  const hook = new GroupProxMethod(spec({ groups: 'filter', k: 2, lambda: { initial: 1e4, growth: 2, max: 1e5 } }), net, { ...TRAINING, epochs: 2 });
  hook.afterStep(step(1, 2, 1));
  hook.epochEnded(1);
  const out = parseGroupedOutputs(hook.outputs());
  assert.equal(out.survivors['conv_0']!.length, 2);
  assert.equal(out.survivors['sep_2']!.length, 2);
  hook.dispose();
  net.dispose();
});

test('group lasso control, channel groups and network scope all end at ≤ k groups', async () => {
  const lasso = await train(spec({ penalty: 'group-lasso', lambda: { initial: 0.05, growth: 3, max: 50 } }));
  for (const kept of Object.values(lasso.outputs.survivors)) assert.ok(kept.length <= 4 && kept.length >= 1);
  // channel groups: input rows of dense_1 and of the classifier, reported for their producers
  const channel = await train(spec({ groups: 'channel', k: 5 }));
  assert.deepEqual(Object.keys(channel.outputs.survivors), ['dense_0', 'dense_1']);
  for (const kept of Object.values(channel.outputs.survivors)) assert.equal(kept.length, 5);
  const network = await train(spec({ scope: 'network', k: 6 }));
  const total = Object.values(network.outputs.survivors).reduce((s, k) => s + k.length, 0);
  assert.equal(total, 6);
});

test('envelope − ½‖·‖² and single-weight groups', async () => {
  const dc = await train(spec({ penalty: 'envelope-minus-l2' }));
  for (const kept of Object.values(dc.outputs.survivors)) assert.equal(kept.length, 4);
  const weights = await train(spec({ groups: 'weight', k: 20 }));
  assert.ok(weights.outputs.weightSparsity! > 0.8);
  for (const kept of Object.values(weights.outputs.survivors)) assert.ok(kept.length >= 1 && kept.length <= 20);
});

test('bad method options are refused before training, naming the key', () => {
  const net = buildNetwork(mlp(), data.shape, data.classes, 1);
  const sparse = new StaticMethod();
  const registry = new TrainingMethodRegistry(BUILT_IN_TRAINING_METHODS);
  const start = (method: TrainingMethodConfig, training: TrainingConfig = TRAINING) =>
    registry.start(method, { net, sparse, dataset: data, training, seed: 1, totalSteps: 10 });
  assert.throws(() => start(methodOf(spec({ finetuneEpochs: 1 })), { ...TRAINING, epochs: 1 }), /training.method.options.finetuneEpochs \(1\) leaves no epoch of proximal training/);
  assert.throws(() => start({ name: 'wgsef', options: { k: 0, lambda: { initial: 1, growth: 2, max: 3 } } }), /training.method.options.k must be a positive integer/);
  assert.throws(() => start({ name: 'wgsef', options: { k: 2 } }), /training.method.options.lambda must be/);
  assert.throws(() => start({ name: 'wgsef', options: { ...methodOf(spec()).options, penalty: 'group-lasso' } }), /penalty of method wgsef must be one of envelope, envelope-minus-l2 \(group lasso is the method group-lasso\)/);
  assert.throws(() => start({ name: 'group-lasso', options: { ...methodOf(spec()).options, penalty: 'envelope' } }), /unknown key training.method.options.penalty for training method group-lasso/);
  assert.throws(() => start({ name: 'no-such-method', options: {} }), (e: unknown) => (e as { code?: string }).code === 'TRAINING_METHOD_UNAVAILABLE' && /"no-such-method" is not one this evaluator trains \("wgsef", "group-lasso", "dass"\)/.test((e as Error).message));
  net.dispose();
});
