import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_DEFINITION, DENSE_SPARSITY, type EvaluationRequest, type LayerSpec, type Metrics, type SparsitySpec, type StudyDefinition, type TrainingConfig } from '../../../search/index.js';
import { chooseBackend } from '../../../evaluators/backend.js';
import { TfjsEvaluator } from '../../../evaluators/tfjs-evaluator.js';
import { syntheticDataset } from '../../../evaluators/synthetic-dataset.js';
import { buildNetwork } from '../../../evaluators/network/build-network.js';
import { createSparseMethod } from '../../../evaluators/sparse/index.js';
import { trainNetwork } from '../../../evaluators/train.js';
import { createRng } from '../../../search/index.js';
import { setupWebGpu } from '../../../evaluators/webgpu/setup.js';
import { webGpuHooks } from '../../../evaluators/webgpu/setup.js';
import { SyncReadError } from '../../../evaluators/webgpu/host-reads.js';
import type { Dataset } from '../../../evaluators/data/types.js';

/*
 * Training on the webgpu backend through Mesa: Dawn's OpenGL ES backend on llvmpipe (EGL's
 * surfaceless platform), a software adapter that is refused unless asked for. Needs the
 * optional packages `webgpu` and `@tensorflow/tfjs-backend-webgpu` and the apt packages
 * libegl1 libegl-dev libegl-mesa0 libgl1-mesa-dri (.ci/run installs them). Each case trains
 * the same seeded trial on cpu and on webgpu and compares the losses of every epoch.
 */
const gpu = await setupWebGpu({ allowSoftware: true });
const skip = gpu.ok ? false : `webgpu through Mesa is not available here: ${gpu.detail}; ${gpu.fix}`;
if (skip) console.log(`# SKIP webgpu tests: ${skip}`);

const definition: StudyDefinition = { ...DEFAULT_DEFINITION, dataset: { name: 'blobs', validationFraction: 0.2 } };
const flat = syntheticDataset({ shape: [20], classes: 4, train: 160, validation: 48, test: 0 }, 3);
const image = syntheticDataset({ shape: [9, 9, 2], classes: 4, train: 64, validation: 32, test: 0 }, 3);
const TRAIN: TrainingConfig = { epochs: 2, batchSize: 16, optimizer: 'adam', learningRate: 0.01, weightDecay: 1e-3, gradClipNorm: 1, lrSchedule: 'cosine' };
const sparsity = (s: Partial<SparsitySpec>): SparsitySpec => ({ ...DENSE_SPARSITY, ...s });

function request(input: 'flat' | 'image', layers: LayerSpec[], s: SparsitySpec, training = TRAIN): EvaluationRequest {
  return { studyName: 's', trialNumber: 0, seed: 7, dataset: definition.dataset, training, architecture: { family: 'test', input, layers, sparsity: s } };
}

/** One seeded trial on `backend`, with its per-epoch training losses and the tensors it left. */
async function trial(backend: 'cpu' | 'webgpu', data: Dataset, req: EvaluationRequest, options: { readbackEvery?: number } = {}) {
  const ev = new TfjsEvaluator({ loader: async () => data, backend, allowSoftwareGpu: true, ...options });
  await ev.prepare(definition);
  const before = tf.memory().numTensors;
  const losses: number[] = [];
  try {
    const metrics = await ev.evaluate(req, { epochEnded: (e) => { losses.push(e.trainLoss); } }, new AbortController().signal);
    return { metrics, losses, leaked: tf.memory().numTensors - before };
  } finally {
    await ev.dispose();
  }
}

function maxDelta(a: { losses: number[]; metrics: Metrics }, b: { losses: number[]; metrics: Metrics }): number {
  assert.equal(a.losses.length, b.losses.length);
  return Math.max(Math.abs(a.metrics.valLoss - b.metrics.valLoss), ...a.losses.map((l, i) => Math.abs(l - b.losses[i]!)));
}

/** Float32 kernels summed in another order: 1e-6 plain, more where batch norm divides by a batch variance. */
async function compare(data: Dataset, req: EvaluationRequest, tolerance = 1e-5) {
  const cpu = await trial('cpu', data, req);
  const gpu = await trial('webgpu', data, req);
  assert.equal(gpu.metrics.backend, 'webgpu', gpu.metrics.backendReason);
  assert.equal(gpu.leaked, 0, 'tensors leaked on webgpu');
  assert.equal(cpu.leaked, 0, 'tensors leaked on cpu');
  assert.equal(gpu.metrics.nonZeros, cpu.metrics.nonZeros, 'the same weights are masked');
  const delta = maxDelta(cpu, gpu);
  assert.ok(delta < tolerance, `max |Δloss| cpu vs webgpu ${delta.toExponential(2)} ≥ ${tolerance}`);
  return delta;
}

describe('training on webgpu through Mesa equals the cpu backend', { skip }, () => {
  before(async () => { await chooseBackend('cpu'); });

  it('an MLP (activations, per-layer override, node mask) at 50% static sparsity', async () => {
    const d = await compare(flat, request('flat', [
      { type: 'dense', units: 24, activation: 'gelu' }, { type: 'dense', units: 16, activation: 'swish', sparsity: 0.3 },
      { type: 'dense', units: 12, activation: 'tanh', keepNodes: [0, 2, 3, 5, 7, 11] },
    ], sparsity({ level: 0.5 })), 1e-6);
    console.log(`# mlp max |Δloss| ${d.toExponential(2)}`);
  });

  const cnn: LayerSpec[] = [
    { type: 'conv2d', filters: 6, kernel: 3, padding: 'same', activation: 'relu' },
    { type: 'conv2d', filters: 4, kernel: 3, padding: 'same', dilation: 2, activation: 'relu' },
    { type: 'separableConv2d', filters: 6, kernel: 3, padding: 'same', dilation: 2 },
    { type: 'depthwiseConv2d', kernel: 3, stride: 2, depthMultiplier: 2, padding: 'valid', activation: 'relu' },
    { type: 'avgPool', size: 3, stride: 2, padding: 'same' }, { type: 'maxPool', size: 2, stride: 1, padding: 'same' },
    { type: 'flatten' },
  ];

  it('a CNN: padded and strided convolutions, dilation, separable and depthwise, pools with padded borders', async () => {
    const d = await compare(image, request('image', cnn, sparsity({ level: 0.5 })), 1e-6);
    console.log(`# cnn max |Δloss| ${d.toExponential(2)}`);
  });

  it('batch norm (with SGD: under Adam the bias before a BN, whose exact gradient is 0, turns float noise into full steps)', async () => {
    const withBn: LayerSpec[] = [...cnn.slice(0, 4), { type: 'batchNorm' }, { type: 'activation', activation: 'relu' }, ...cnn.slice(4)];
    const d = await compare(image, request('image', withBn, sparsity({ level: 0.5 }), { ...TRAIN, optimizer: 'sgd', learningRate: 0.05 }), 1e-6);
    console.log(`# cnn with batch norm max |Δloss| ${d.toExponential(2)}`);
  });

  it('every sparse method: GMP, RigL, SET, SR-STE N:M, static N:M, group GMP', async () => {
    const mlp: LayerSpec[] = [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 8, activation: 'relu' }];
    const conv: LayerSpec[] = [{ type: 'conv2d', filters: 8, kernel: 3, activation: 'relu' }, { type: 'separableConv2d', filters: 8, kernel: 3 }, { type: 'flatten' }];
    await compare(flat, request('flat', mlp, sparsity({ level: 0.8, method: 'gmp', gmpEvery: 2 })), 1e-6);
    await compare(flat, request('flat', mlp, sparsity({ level: 0.8, method: 'rigl', updateEvery: 3 })), 1e-6);
    await compare(flat, request('flat', mlp, sparsity({ level: 0.7, method: 'set', updateEvery: 3, distribution: 'erk' })), 1e-6);
    await compare(flat, request('flat', mlp, sparsity({ kind: 'n:m', n: 2, m: 4, method: 'srste' })), 1e-6);
    await compare(image, request('image', conv, sparsity({ kind: 'n:m', n: 1, m: 4, method: 'static', init: 'random' })), 1e-6);
    await compare(image, request('image', conv, sparsity({ kind: 'group', group: 'filter', level: 0.5, method: 'gmp', gmpEvery: 2 })), 1e-6);
  });

  it('every optimiser: SGD, momentum, RMSProp (Adam above)', async () => {
    const mlp: LayerSpec[] = [{ type: 'dense', units: 16, activation: 'relu' }];
    for (const t of [{ optimizer: 'sgd' }, { optimizer: 'rmsprop' }] as const) {
      await compare(flat, request('flat', mlp, sparsity({ level: 0.5 }), { ...TRAIN, ...t, learningRate: 0.02 }), 1e-6);
    }
    // tfjs' MomentumOptimizer.dispose() leaves its −lr scalar on every backend: compare losses only.
    const req = request('flat', mlp, sparsity({ level: 0.5 }), { ...TRAIN, optimizer: 'momentum', momentum: 0.9, learningRate: 0.02 });
    assert.ok(maxDelta(await trial('cpu', flat, req), await trial('webgpu', flat, req)) < 1e-6);
  });

  it('reading the loss back every step or every 8 gives the same trial', async () => {
    const req = request('flat', [{ type: 'dense', units: 16, activation: 'relu' }], sparsity({ level: 0.5, method: 'rigl', updateEvery: 2 }));
    const every = await trial('webgpu', flat, req, { readbackEvery: 1 });
    const batched = await trial('webgpu', flat, req, { readbackEvery: 8 });
    assert.deepEqual(batched.losses, every.losses);
    assert.equal(batched.metrics.valLoss, every.metrics.valLoss);
  });

  it('masks stay exactly zero in the weights on the device, with Adam and weight decay', async () => {
    await chooseBackend('webgpu', { allowSoftwareGpu: true });
    const before = tf.memory().numTensors;
    const a = { family: 'test', input: 'flat' as const, layers: [{ type: 'dense' as const, units: 16, activation: 'relu' as const }], sparsity: sparsity({ level: 0.8, method: 'rigl', updateEvery: 2 }) };
    const net = buildNetwork(a, flat.shape, flat.classes, 5);
    const method = createSparseMethod(a.sparsity);
    try {
      await webGpuHooks.toHost(net.params.flatMap((p) => [p.weight, p.mask]));
      method.init(net.params, a.sparsity, createRng(1), 20);
      await trainNetwork({ net, method, dataset: flat, training: TRAIN, seed: 1, reporter: { epochEnded: () => {} }, device: webGpuHooks, readbackEvery: 4 });
      for (const p of net.params) {
        const [w, m] = await Promise.all([p.weight.data(), p.mask.data()]);
        const zeros = m.filter((v) => v === 0).length;
        assert.ok(zeros > 0, `${p.name} has a sparse mask`);
        m.forEach((v, i) => { if (v === 0) assert.ok(w[i] === 0, `${p.name}[${i}] = ${w[i]} under a zero mask`); });
      }
    } finally {
      method.dispose();
      net.dispose();
      await chooseBackend('cpu');
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('a synchronous read of a tensor only on the device throws SyncReadError naming the fix', async () => {
    await chooseBackend('webgpu', { allowSoftwareGpu: true });
    const t = tf.tidy(() => tf.matMul(tf.ones([32, 64]), tf.ones([64, 32])));
    try {
      assert.throws(() => t.dataSync(), (e: unknown) => e instanceof SyncReadError && e.code === 'WEBGPU_SYNC_READ' && /await tensor\.data\(\)/.test(e.message));
      await webGpuHooks.toHost([t]);
      assert.equal(t.dataSync()[0], 64, 'downloaded first, it reads synchronously');
    } finally {
      t.dispose();
      await chooseBackend('cpu');
    }
  });

  it('a trial with a training method (WGSEF) falls back to a CPU backend and says why', async () => {
    const req = request('flat', [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 8 }], DENSE_SPARSITY,
      { ...TRAIN, optimizer: 'sgd', learningRate: 0.05, method: { name: 'wgsef', options: { k: 4, groups: 'neuron', lambda: { initial: 1e-3, growth: 1.1, max: 1 } } } });
    const gpu = await trial('webgpu', flat, req);
    assert.notEqual(gpu.metrics.backend, 'webgpu');
    assert.match(gpu.metrics.backendReason ?? '', /^webgpu cannot train this trial \(training\.method wgsef reads tensors on the host inside its step hooks.*\); it trained on (native|wasm)$/);
    assert.equal(gpu.leaked, 0);
    assert.ok(maxDelta(await trial('cpu', flat, req), gpu) < 1e-5);
  });

  it('with gpuConcurrency 1 a second evaluator in the same process finds the slot taken and trains on a CPU backend', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'slots-'));
    const first = new TfjsEvaluator({ loader: async () => flat, backend: 'webgpu', allowSoftwareGpu: true, gpuConcurrency: 1 });
    const second = new TfjsEvaluator({ loader: async () => flat, backend: 'webgpu', allowSoftwareGpu: true, gpuConcurrency: 1 });
    try {
      process.env['TMPDIR'] = dir;
      assert.equal((await first.prepare(definition)).backend, 'webgpu');
      const info = await second.prepare(definition);
      assert.ok(info.backend === 'native' || info.backend === 'wasm', info.backend);
      assert.match(info.reason, /webgpu \(forced by --backend\) skipped: all 1 of its slots \(gpuConcurrency 1\) are held by processes \d+/);
      await first.dispose();
      assert.equal((await second.prepare(definition)).backend, 'webgpu', 'released at dispose');
    } finally {
      delete process.env['TMPDIR'];
      await first.dispose();
      await second.dispose();
      await chooseBackend('cpu');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
