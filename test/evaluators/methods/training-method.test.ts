import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_DEFINITION, type JsonObject, type StudyDefinition, type TrainingConfig } from '../../../search/index.js';
import { buildNetwork } from '../../../evaluators/network/build-network.js';
import { StaticMethod } from '../../../evaluators/sparse/index.js';
import { syntheticDataset } from '../../../evaluators/synthetic-dataset.js';
import { TfjsEvaluator } from '../../../evaluators/tfjs-evaluator.js';
import { createMethodTools } from '../../../evaluators/methods/index.js';
import type { MethodSetup, TrainingMethod, TrainingMethodFactory } from '../../../evaluators/methods/index.js';
import { arch, recorder, TRAINING, useBackend } from '../helpers.js';

await useBackend('wasm');
const data = syntheticDataset({ shape: [6], classes: 3, train: 64, validation: 32, test: 16 }, 2);
const definition: StudyDefinition = { ...DEFAULT_DEFINITION, backend: 'wasm', dataset: { name: 'blobs', validationFraction: 0.2 } };
const mlp = arch([{ type: 'dense', units: 8, activation: 'relu' }, { type: 'batchNorm' }]);
const training: TrainingConfig = { ...TRAINING, epochs: 2, batchSize: 32 };

/** Runs one trial of the tfjs evaluator with `factory` as its only training method. */
async function evaluate(factory: TrainingMethodFactory, options: JsonObject = {}, t: TrainingConfig = training) {
  const ev = new TfjsEvaluator({ loader: async () => data, trainingMethods: [factory] });
  const info = await ev.prepare(definition);
  const reporter = recorder();
  const before = tf.memory().numTensors;
  try {
    const metrics = await ev.evaluate({ studyName: 's', trialNumber: 0, seed: 3, dataset: definition.dataset, architecture: mlp, training: { ...t, method: { name: factory.name, options } } }, reporter, new AbortController().signal);
    return { info, metrics, epochs: reporter.epochs };
  } finally {
    assert.equal(tf.memory().numTensors, before, 'no tensor outlives the trial');
    await ev.dispose();
  }
}

/** A method that records when each hook runs and what it was given. */
function recording(extra: Partial<TrainingMethod> = {}): { factory: TrainingMethodFactory; calls: string[]; setups: MethodSetup[] } {
  const calls: string[] = [];
  const setups: MethodSetup[] = [];
  const factory: TrainingMethodFactory = {
    name: 'recording', description: 'records its hooks',
    create(setup) {
      setups.push(setup);
      calls.push('create');
      return {
        trainable: (base, ctx) => { calls.push(`trainable ${ctx.epoch}.${ctx.step}`); return base; },
        forwardOptions: (base) => { calls.push(`forward ${base.training ? 'train' : 'eval'}`); return base; },
        beforeStep: (ctx) => { calls.push(`before ${ctx.epoch}.${ctx.step}`); },
        afterStep: (ctx) => { calls.push(`after ${ctx.epoch}.${ctx.step}`); },
        epochEnded: (epoch) => { calls.push(`epoch ${epoch}`); return { epoch, note: 'x' }; },
        outputs: () => { calls.push('outputs'); return { done: true }; },
        dispose: () => { calls.push('dispose'); },
        ...extra,
      };
    },
  };
  return { factory, calls, setups };
}

test('the evaluator declares its methods; the hooks run in the documented order; outputs go to the epochs and the metrics', async () => {
  const { factory, calls, setups } = recording();
  const { info, metrics, epochs } = await evaluate(factory, { some: 'option' });
  assert.deepEqual(info.trainingMethods, ['recording']);
  assert.deepEqual(setups[0]!.options, { some: 'option' });
  assert.equal(setups[0]!.totalSteps, 4);
  assert.equal(setups[0]!.seed, 3);
  const step = (e: number, s: number) => [`before ${e}.${s}`, 'forward train', `trainable ${e}.${s}`, `after ${e}.${s}`];
  // Per epoch: 2 steps of 32, then epochEnded, then the validation pass (one eval forward per batch);
  // after training, the inference-latency measurement builds its forward through the method too.
  assert.deepEqual(calls, [
    'create', ...step(1, 1), ...step(1, 2), 'epoch 1', 'forward eval', ...step(2, 3), ...step(2, 4), 'epoch 2', 'forward eval', 'forward eval', 'outputs', 'dispose',
  ], calls.join(' | '));
  assert.deepEqual(epochs.map((e) => e.outputs), [{ epoch: 1, note: 'x' }, { epoch: 2, note: 'x' }]);
  assert.deepEqual(metrics.outputs, { done: true });
});

test('a method that throws fails the trial and is still disposed; no tensor leaks', async () => {
  const { factory, calls } = recording({ afterStep: (ctx) => { if (ctx.step === 2) throw new Error('broken method'); } });
  await assert.rejects(evaluate(factory), /broken method/);
  assert.equal(calls.at(-1), 'dispose');
  assert.ok(!calls.includes('outputs'));
});

test('trainable chooses what the loop optimises: the rest of the network stays bitwise unchanged', async () => {
  let frozen: tf.TypedArray[] = [];
  let after: tf.TypedArray[] = [];
  let names: string[] = [];
  let classifierMoved = false;
  const factory: TrainingMethodFactory = {
    name: 'classifier-only', description: 'trains the classifier only',
    create({ net }) {
      const others = net.trainable.filter((v) => !v.name.includes('classifier'));
      const classifier = net.trainable.find((v) => v.name.endsWith('classifier/kernel'))!;
      const start = classifier.dataSync().slice();
      names = others.map((v) => v.name);
      frozen = others.map((v) => v.dataSync().slice());
      return {
        trainable: (base) => base.filter((v) => v.name.includes('classifier')),
        outputs: () => {
          after = others.map((v) => v.dataSync().slice());
          classifierMoved = classifier.dataSync().some((x, i) => x !== start[i]);
          return {};
        },
        dispose: () => {},
      };
    },
  };
  await evaluate(factory);
  assert.ok(names.length >= 4, `dense kernel, bias, BN γ and β: ${names.join(', ')}`);
  after.forEach((v, i) => assert.deepEqual(v, frozen[i], `${names[i]} changed`));
  assert.ok(classifierMoved, 'the classifier trained');
});

test('step replaces the loop step: its loss is what the epoch reports, and the loop optimiser never runs', async () => {
  const seen: number[] = [];
  const factory: TrainingMethodFactory = {
    name: 'own-step', description: 'plain SGD by hand on the classifier',
    create({ net, tools }) {
      const w = net.trainable.find((v) => v.name.endsWith('classifier/kernel'))!;
      const start = w.dataSync().slice();
      const others = net.trainable.filter((v) => v !== w).map((v) => [v, v.dataSync().slice()] as const);
      return {
        step(batch, ctx) {
          seen.push(ctx.step);
          const { loss, grads } = tools.gradients(batch, [w]);
          tf.tidy(() => w.assign(tf.sub(w, tf.mul(grads[w.name]!, 0.1))));
          const value = loss.dataSync()[0]!;
          tf.dispose([loss, ...Object.values(grads)]);
          return { loss: value, correct: 0 };
        },
        outputs() {
          return {
            moved: w.dataSync().some((x, i) => x !== start[i]),
            othersFixed: others.every(([v, before]) => v.dataSync().every((x, i) => x === before[i])),
          };
        },
        dispose: () => {},
      };
    },
  };
  const { metrics, epochs } = await evaluate(factory);
  assert.deepEqual(seen, [1, 2, 3, 4]);
  assert.deepEqual(metrics.outputs, { moved: true, othersFixed: true }, 'only the method moved weights (the loop\'s Adam would move all of them)');
  assert.equal(epochs[0]!.trainAccuracy, 0, 'the epoch counts the correct predictions the step returned');
  assert.ok(epochs[1]!.trainLoss > 0 && Number.isFinite(epochs[1]!.trainLoss));
});

test('tools: gradients change nothing (weights, BN statistics); loss and the eval forward go through forwardOptions; batch streams reproduce', () => {
  const net = buildNetwork(mlp, data.shape, data.classes, 5);
  const sparse = new StaticMethod();
  let scale = 1;
  const method: TrainingMethod = {
    forwardOptions: (base) => ({ ...base, weight: (p) => tf.mul(base.weight!(p), scale) }),
    dispose: () => {},
  };
  try {
    const before = tf.memory().numTensors;
    const tools = createMethodTools({ net, sparse, dataset: data, seed: 9, training, method: () => method });
    const snapshot = () => net.namedWeights().map((w) => { const v = w.tensor.dataSync().slice(); w.tensor.dispose(); return [w.name, v] as const; });
    const start = snapshot();
    const next = tools.batches('validation', 10, 'alpha');
    const b = next();
    const { loss, grads } = tools.gradients(b, net.trainable);
    assert.ok(Object.values(grads).some((g) => tf.tidy(() => g.abs().sum().dataSync()[0]!) > 0), 'non-zero gradients');
    tf.dispose([loss, ...Object.values(grads)]);
    net.commitBatchNorm(); // nothing recorded is left to commit
    assert.deepEqual(snapshot(), start, 'weights and BN running statistics untouched');
    const l1 = tf.tidy(() => tools.loss(b, false).dataSync()[0]!);
    scale = 0; // all kernels off: logits = biases (0 at init), loss = ln 3
    const l0 = tf.tidy(() => tools.loss(b, false).dataSync()[0]!);
    assert.notEqual(l1, l0);
    assert.ok(Math.abs(l0 - Math.log(3)) < 1e-5, `loss ${l0} with zero weights`);
    tf.dispose([b.x, b.y, b.labels]);
    // Same stream: same batches; another stream or split: others. Every pass covers the split once.
    const labelsOf = (take: () => { x: tf.Tensor; y: tf.Tensor; labels: tf.Tensor }, n: number) => Array.from({ length: n }, () => {
      const batch = take();
      const v = Array.from(batch.x.dataSync().slice(0, 2));
      tf.dispose([batch.x, batch.y, batch.labels]);
      return v.join(',');
    });
    const first = labelsOf(tools.batches('validation', 8, 'alpha'), 8);
    assert.deepEqual(labelsOf(tools.batches('validation', 8, 'alpha'), 8), first);
    assert.notDeepEqual(labelsOf(tools.batches('validation', 8, 'other'), 8), first);
    assert.equal(new Set(first.slice(0, 4)).size, 4);
    assert.throws(() => tools.batches('validation', 0, 'x'), /batch size must be a positive integer/);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    sparse.dispose();
    net.dispose();
  }
});

test('a replaced step can do a DARTS-shaped step: own variable and optimiser on a validation batch, then the weights with the loop optimiser', async () => {
  const seen: { step: number; lr: number; loopOptimizer: boolean }[] = [];
  let loopOptimizer: tf.Optimizer | undefined;
  let alphaOptimizer: tf.Optimizer | undefined;
  const corrects: number[] = [];
  const factory: TrainingMethodFactory = {
    name: 'one-shot', description: 'a scale α stepped on validation batches, the weights on the training batch',
    create({ net, tools }) {
      const alpha = tf.tidy(() => tf.variable(tf.scalar(1), true, 'one-shot/alpha'));
      alphaOptimizer = tools.optimizer({ optimizer: 'sgd', learningRate: 0.5 });
      const validation = tools.batches('validation', 8, 'alpha');
      let alphaSteps = 0;
      const scaled = (v: tf.Variable) => v.name.endsWith('classifier/kernel');
      return {
        forwardOptions: (base) => ({ ...base, weight: (p) => (scaled(p.weight) ? tf.mul(base.weight!(p), alpha) : base.weight!(p)) }),
        step(batch, ctx) {
          loopOptimizer ??= ctx.optimizer;
          seen.push({ step: ctx.step, lr: ctx.learningRate, loopOptimizer: ctx.optimizer === loopOptimizer });
          const v = validation();
          const a = tools.gradients(v, [alpha]);
          tools.applyGradients(alphaOptimizer!, a.grads, { regularise: false });
          alphaSteps++;
          tf.dispose([v.x, v.y, v.labels, a.loss, ...Object.values(a.grads)]);
          const w = tools.gradients(batch, net.trainable, { countCorrect: true });
          tools.applyGradients(ctx.optimizer, w.grads);
          const loss = w.loss.dataSync()[0]!;
          tf.dispose([w.loss, ...Object.values(w.grads)]);
          corrects.push(w.correct!);
          return { loss, correct: w.correct! };
        },
        epochEnded: (epoch) => ({ epoch, alpha: alpha.dataSync()[0]!, alphaSteps }),
        dispose: () => { alpha.dispose(); alphaOptimizer!.dispose(); },
      };
    },
  };
  const { epochs } = await evaluate(factory, {}, { ...training, optimizer: 'sgd', learningRate: 0.2, lrSchedule: 'cosine' });
  assert.deepEqual(seen.map((s) => s.step), [1, 2, 3, 4]);
  assert.ok(seen.every((s) => s.loopOptimizer), 'the same loop optimiser every step');
  assert.equal(seen[0]!.lr, 0.2);
  assert.ok(seen[3]!.lr < seen[1]!.lr, 'the loop schedule reaches the step');
  assert.equal((loopOptimizer as unknown as { learningRate: number }).learningRate, seen[3]!.lr, 'ctx.optimizer has the step\'s learning rate set');
  assert.equal((alphaOptimizer as unknown as { learningRate: number }).learningRate, 0.5, 'the method\'s own optimiser keeps its rate');
  assert.deepEqual(epochs.map((e) => (e.outputs as { alphaSteps: number }).alphaSteps), [2, 4]);
  assert.ok(corrects.every((n) => Number.isInteger(n) && n >= 0 && n <= 32), `correct counts ${corrects.join(', ')}`);
  assert.deepEqual(epochs.map((e) => e.trainAccuracy), [(corrects[0]! + corrects[1]!) / 64, (corrects[2]! + corrects[3]!) / 64], 'the epoch counts the correct predictions of the step\'s own forward');
  const alphas = epochs.map((e) => (e.outputs as { alpha: number }).alpha);
  assert.ok(alphas.every((a) => a !== 1 && Number.isFinite(a)), `α moved: ${alphas.join(', ')}`);
});

test('tools.applyGradients clips and decays like the loop step; regularise: false applies the raw gradient', () => {
  const net = buildNetwork(mlp, data.shape, data.classes, 5);
  const sparse = new StaticMethod();
  try {
    const before = tf.memory().numTensors;
    const tools = createMethodTools({ net, sparse, dataset: data, seed: 9, training: { ...training, gradClipNorm: 1, weightDecay: 0.1 }, method: () => undefined });
    const kernel = net.params[0]!.weight;
    const sgd = tools.optimizer({ optimizer: 'sgd', learningRate: 1 });
    const start = kernel.dataSync().slice();
    const g = tf.fill(kernel.shape, 3);
    const norm = Math.sqrt(9 * kernel.size);
    tools.applyGradients(sgd, { [kernel.name]: g });
    const clipped = kernel.dataSync().slice();
    clipped.forEach((x, i) => assert.ok(Math.abs(x - (start[i]! - (3 / norm + 0.1 * start[i]!))) < 1e-5, `entry ${i}: clipped to norm 1 plus 0.1·w`));
    tools.applyGradients(sgd, { [kernel.name]: g }, { regularise: false });
    kernel.dataSync().forEach((x, i) => assert.ok(Math.abs(x - (clipped[i]! - 3)) < 1e-5, `entry ${i}: raw gradient`));
    g.dispose();
    sgd.dispose();
    assert.equal(tf.memory().numTensors, before, 'applyGradients leaks nothing');
  } finally {
    sparse.dispose();
    net.dispose();
  }
});
