import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DARTS_OPS, DARTS_V2, DEFAULT_DEFINITION, DENSE_SPARSITY, TrialPrunedError, type Architecture, type CellsLayer, type EpochMetrics, type JsonObject, type StudyDefinition, type TrainingConfig, type TrialReporter } from '../../../../search/index.js';
import { syntheticDataset } from '../../../../evaluators/synthetic-dataset.js';
import { TfjsEvaluator } from '../../../../evaluators/tfjs-evaluator.js';
import { DassMethod, dassMethodFactory, type TrainingMethodFactory } from '../../../../evaluators/methods/index.js';
import { keptCount } from '../../../../evaluators/methods/dass/index.js';
import { recorder, TRAINING } from '../../helpers.js';

// The dass method inside the real training loop (tfjs evaluator, wasm with the project's kernels).
const shape = [8, 8, 1];
const data = syntheticDataset({ shape, classes: 3, train: 32, validation: 16, test: 8, separation: 6 }, 3);
const definition: StudyDefinition = { ...DEFAULT_DEFINITION, backend: 'wasm', dataset: { name: 'synthetic', validationFraction: 0.3 } };
const cells = (extra: Partial<CellsLayer>): Architecture => ({
  family: 'darts', input: 'image', sparsity: { ...DENSE_SPARSITY },
  layers: [{ type: 'cells', name: 'cells', channels: 2, cells: 3, stemMultiplier: 1, ...extra } as CellsLayer, { type: 'globalAvgPool' }],
});
const supernet = cells({ supernet: { nodes: 2, ops: [...DARTS_OPS] } });
const derived = cells({ genotype: { normal: DARTS_V2.normal.slice(0, 4), normal_concat: [2, 3], reduce: DARTS_V2.reduce.slice(0, 4), reduce_concat: [2, 3] } });
const training: TrainingConfig = { ...TRAINING, epochs: 3, batchSize: 16 };
const phases = { pretrainEpochs: 1, pruneEpochs: 1, finetuneEpochs: 1 };

interface Seen { phase: string; counts: number[]; masks: Float32Array[]; weightsOffMask: number }

/** The dass factory, watching the masks after every step. */
function watched(seen: Seen[]): TrainingMethodFactory {
  return {
    ...dassMethodFactory,
    create(setup) {
      const m = dassMethodFactory.create(setup) as DassMethod;
      const after = m.afterStep.bind(m);
      m.afterStep = () => {
        after();
        const masks = setup.net.params.map((p) => p.mask.dataSync().slice() as Float32Array);
        const off = setup.net.params.reduce((n, p, i) => n + Array.from(p.weight.dataSync()).filter((w, j) => w !== 0 && masks[i]![j] === 0).length, 0);
        seen.push({ phase: m.phase, counts: masks.map((mk) => mk.reduce((a, b) => a + b, 0)), masks, weightsOffMask: off });
      };
      return m;
    },
  };
}

async function trial(architecture: Architecture, options: JsonObject, opts: { seed?: number; reporter?: TrialReporter; signal?: AbortSignal; factory?: TrainingMethodFactory } = {}) {
  const ev = new TfjsEvaluator({ loader: async () => data, trainingMethods: [opts.factory ?? dassMethodFactory] });
  await ev.prepare(definition);
  const reporter = opts.reporter ?? recorder();
  try {
    const metrics = await ev.evaluate({ studyName: 's', trialNumber: 0, seed: opts.seed ?? 3, dataset: definition.dataset, architecture, training: { ...training, method: { name: 'dass', options } } }, reporter, opts.signal ?? new AbortController().signal);
    return { metrics, epochs: (reporter as { epochs?: EpochMetrics[] }).epochs ?? [] };
  } finally {
    await ev.dispose();
  }
}

test('masks: the exact count after init and after every prune step, bitwise fixed through the fine-tune, W zero off the mask', async () => {
  const seen: Seen[] = [];
  const { metrics, epochs } = await trial(supernet, { ...phases, sparsity: 0.9 }, { factory: watched(seen) });
  assert.deepEqual(epochs.map((e) => e.outputs?.['phase']), ['pretrain', 'prune', 'finetune']);
  const prune = seen.filter((s) => s.phase === 'prune'), finetune = seen.filter((s) => s.phase === 'finetune');
  assert.ok(prune.length >= 2 && finetune.length >= 2);
  const sizes = prune[0]!.masks.map((m) => m.length);
  for (const s of [...prune, ...finetune]) assert.deepEqual(s.counts, sizes.map((n) => keptCount(n, 0.9)));
  const last = prune.at(-1)!.masks;
  for (const s of finetune) s.masks.forEach((m, j) => assert.deepEqual(m, last[j], 'the mask is fixed in the fine-tune'));
  assert.ok(finetune.every((s) => s.weightsOffMask === 0));
  const expected = 1 - sizes.reduce((a, n) => a + keptCount(n, 0.9), 0) / sizes.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs((metrics.outputs!['maskedFraction'] as number) - expected) < 1e-9);
  assert.ok(metrics.sparsity > 0.5 && metrics.nonZeros < metrics.params, `the accounting reads the masks (sparsity ${metrics.sparsity})`);
  assert.equal(seen.filter((s) => s.phase === 'pretrain').every((s) => s.counts.every((c, j) => c === sizes[j])), true, 'dense while pretraining');
});

test('a supernet trial reports phase, α, α entropy and genotype each epoch, and α and the genotype at the end; the same seed repeats them', async () => {
  const a = await trial(supernet, { ...phases, sparsity: 0.9, alpha: { learningRate: 0.05 } }, { seed: 5 });
  const b = await trial(supernet, { ...phases, sparsity: 0.9, alpha: { learningRate: 0.05 } }, { seed: 5 });
  const c = await trial(supernet, { ...phases, sparsity: 0.9, alpha: { learningRate: 0.05 } }, { seed: 6 });
  const history = (r: typeof a) => r.epochs.map((e) => e.outputs?.['alpha']);
  assert.deepEqual(history(a), history(b), 'same seed, same α history');
  assert.deepEqual(a.metrics.outputs?.['genotype'], b.metrics.outputs?.['genotype']);
  assert.notDeepEqual(history(a), history(c));
  for (const e of a.epochs) {
    const h = e.outputs!['alphaEntropy'] as { normal: number; reduce: number };
    assert.ok(h.normal > 0 && h.normal <= Math.log(8) + 1e-9 && h.reduce > 0);
    assert.equal((e.outputs!['genotype'] as { normal: unknown[] }).normal.length, 4);
  }
  assert.ok((a.epochs.at(-1)!.outputs!['alphaSteps'] as number) > 0);
  const first = a.epochs[0]!.outputs!['alpha'] as { normal: number[][] };
  assert.ok(first.normal.flat().some((v) => Math.abs(v) > 1e-2), 'α moved from its 1e-3·N(0,1) start');
});

test('a derived cell trains with the same pipeline (no α); prune: false searches dense', async () => {
  const d = await trial(derived, { ...phases, sparsity: 0.8 });
  assert.deepEqual(d.epochs.map((e) => e.outputs?.['phase']), ['pretrain', 'prune', 'finetune']);
  assert.equal(d.epochs[0]!.outputs!['alpha'], undefined);
  const masked = d.metrics.outputs!['maskedFraction'] as number;
  assert.ok(masked > 0.7 && masked <= 0.8, `masked fraction ${masked} (per layer ⌊0.8·n⌋ of n)`);
  const dense = await trial(supernet, { ...phases, sparsity: 0.9, prune: false });
  assert.deepEqual(dense.epochs.map((e) => e.outputs?.['phase']), ['dense', 'dense', 'dense']);
  assert.equal(dense.metrics.sparsity, 0);
  assert.ok(dense.metrics.outputs?.['genotype']);
});

test('each phase is its own run: the cosine schedule restarts at pretrain, prune and finetune, and each phase steps its own optimiser', async () => {
  // 32 training samples, batch 16: 2 steps per epoch; pretrain 2 epochs (4 steps), prune 1, finetune 1.
  const steps: { phase: string; lr: number; optimizer: object }[] = [];
  const factory: TrainingMethodFactory = {
    ...dassMethodFactory,
    create(setup) {
      let m: DassMethod | undefined;
      const tools = Object.assign(Object.create(setup.tools) as typeof setup.tools, {
        applyGradients: (optimizer: tf.Optimizer, grads: tf.NamedTensorMap, o?: { regularise?: boolean }) => {
          if (m && !Object.keys(grads).some((k) => k.includes('alpha'))) steps.push({ phase: m.phase, lr: (optimizer as unknown as { learningRate: number }).learningRate, optimizer });
          setup.tools.applyGradients(optimizer, grads, o);
        },
      });
      m = dassMethodFactory.create({ ...setup, tools }) as DassMethod;
      return m;
    },
  };
  const ev = new TfjsEvaluator({ loader: async () => data, trainingMethods: [factory] });
  await ev.prepare(definition);
  try {
    await ev.evaluate({ studyName: 's', trialNumber: 0, seed: 3, dataset: definition.dataset, architecture: derived,
      training: { ...training, epochs: 4, learningRate: 0.01, lrSchedule: 'cosine', method: { name: 'dass', options: { pretrainEpochs: 2, pruneEpochs: 1, finetuneEpochs: 1, sparsity: 0.8 } } } },
    recorder(), new AbortController().signal);
  } finally {
    await ev.dispose();
  }
  const cos = (i: number, n: number) => 0.01 * 0.5 * (1 + Math.cos((Math.PI * i) / n));
  const expected = [...[0, 1, 2, 3].map((i) => ['pretrain', cos(i, 4)]), ...[0, 1].map((i) => ['prune', cos(i, 2)]), ...[0, 1].map((i) => ['finetune', cos(i, 2)])] as [string, number][];
  assert.deepEqual(steps.map((s) => s.phase), expected.map((e) => e[0]));
  for (const [i, s] of steps.entries()) assert.ok(Math.abs(s.lr - expected[i]![1]) < 1e-9, `step ${i + 1} (${s.phase}): lr ${s.lr}, expected ${expected[i]![1]}`);
  const optimizerOf = (phase: string) => new Set(steps.filter((s) => s.phase === phase).map((s) => s.optimizer));
  for (const phase of ['pretrain', 'prune', 'finetune']) assert.equal(optimizerOf(phase).size, 1, `one optimiser through ${phase}`);
  const [pre, prune, fine] = ['pretrain', 'prune', 'finetune'].map((p) => [...optimizerOf(p)][0]);
  assert.ok(pre !== prune && pre !== fine && prune !== fine, 'fine-tuning does not continue the pretraining optimiser (fresh moments), the scores have their own');
});

test('tf.memory().numTensors is unchanged across supernet, derived, pruned and aborted trials', async () => {
  const before = tf.memory().numTensors;
  await trial(supernet, { ...phases, sparsity: 0.9 });
  assert.equal(tf.memory().numTensors, before, 'supernet');
  await trial(derived, { ...phases, sparsity: 0.9 });
  assert.equal(tf.memory().numTensors, before, 'derived');
  // Pruned by the pruner in the prune phase (scores alive), aborted in the fine-tune.
  const prunedAt = (epoch: number): TrialReporter => ({ epochEnded: (m) => { if (m.epoch === epoch) throw new TrialPrunedError(m.epoch); } });
  await assert.rejects(trial(supernet, { ...phases, sparsity: 0.9 }, { reporter: prunedAt(2) }), TrialPrunedError);
  assert.equal(tf.memory().numTensors, before, 'pruned');
  const abort = new AbortController();
  const aborting: TrialReporter = { epochEnded: (m) => { if (m.epoch === 2) abort.abort(); } };
  await assert.rejects(trial(supernet, { ...phases, sparsity: 0.9 }, { reporter: aborting, signal: abort.signal }));
  assert.equal(tf.memory().numTensors, before, 'aborted');
});

test('bad options fail the trial before training, naming the option', async () => {
  await assert.rejects(trial(supernet, { sparsity: 0.995 }), /training method dass: options.sparsity must be a fraction of zero weights in \[0, 0.99\]/);
  await assert.rejects(trial(supernet, { pretrainEpochs: 1, pruneEpochs: 1 }), /the phases add up to 2 epochs .* training.epochs is 3/);
});
