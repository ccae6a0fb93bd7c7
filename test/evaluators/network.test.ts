import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng, type Architecture, type LayerSpec } from '../../search/index.js';
import { buildNetwork } from '../../evaluators/network/build-network.js';
import { dilateFilter } from '../../evaluators/kernels/dilated-conv.js';
import { createSparseMethod } from '../../evaluators/sparse/index.js';
import { syntheticDataset } from '../../evaluators/synthetic-dataset.js';
import { trainNetwork } from '../../evaluators/train.js';
import { ArchitectureError } from '../../evaluators/errors.js';
import { arch, recorder, TRAINING, useBackend } from './helpers.js';

// Conv gradients: wasm lacks Conv2DBackpropFilter, so the conv tests run on cpu (tiny shapes).
await useBackend('cpu');

async function trained(a: Architecture, shape: number[], epochs = 1) {
  const data = syntheticDataset({ shape, classes: 3, train: 24, validation: 9, test: 3 }, 4);
  const net = buildNetwork(a, data.shape, data.classes, 9);
  const method = createSparseMethod(a.sparsity);
  method.init(net.params, a.sparsity, createRng(3), 10);
  net.enforceStructure();
  const result = await trainNetwork({ net, method, dataset: data, training: { ...TRAINING, batchSize: 8, epochs }, seed: 2, reporter: recorder() });
  return { net, method, result, data };
}

function values(net: ReturnType<typeof buildNetwork>, name: string): tf.TensorBuffer<tf.Rank> {
  return net.params.find((p) => p.name === name)!.weight.bufferSync();
}

test('keepNodes zeroes whole rows and columns of dense layers, and removed biases, through training', async () => {
  const before = tf.memory().numTensors;
  const keep = [1, 4, 6];
  const { net, method } = await trained(arch([{ type: 'dense', units: 8, activation: 'relu', keepNodes: keep }, { type: 'dense', units: 5 }]), [6], 2);
  const w0 = values(net, 'dense_0'), w1 = values(net, 'dense_1');
  const bias = net.trainable.find((v) => v.name.endsWith('dense_0/bias'))!.dataSync();
  for (let u = 0; u < 8; u++) {
    const col = Array.from({ length: 6 }, (_, i) => w0.get(i, u));
    const row = Array.from({ length: 5 }, (_, j) => w1.get(u, j));
    if (keep.includes(u)) {
      assert.ok(col.some((v) => v !== 0) && row.some((v) => v !== 0), `kept unit ${u} is alive`);
    } else {
      assert.ok(col.every((v) => v === 0), `weights into removed unit ${u}: ${col}`);
      assert.ok(row.every((v) => v === 0), `weights out of removed unit ${u}: ${row}`);
      assert.equal(bias[u], 0);
    }
  }
  method.dispose();
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('keepNodes on a conv removes filters, the next conv\'s input channels and the classifier rows after flatten', async () => {
  const a = arch([
    { type: 'conv2d', filters: 4, kernel: 3, activation: 'relu', keepNodes: [0, 3] },
    { type: 'batchNorm' },
    { type: 'conv2d', filters: 2, kernel: 3, stride: 2, keepNodes: [1] },
  ], {}, 'image');
  const { net, method } = await trained(a, [4, 4, 1]);
  const c0 = values(net, 'conv_0'), c2 = values(net, 'conv_2'), cls = values(net, 'classifier');
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
    for (const f of [1, 2]) assert.ok(c0.get(i, j, 0, f) === 0, 'into removed filters');
    for (const ch of [1, 2]) for (const f of [0, 1]) assert.ok(c2.get(i, j, ch, f) === 0, 'out of removed filters');
    for (const ch of [0, 3]) assert.ok(c2.get(i, j, ch, 0) === 0, 'into the removed filter of conv_2');
  }
  // conv_2 outputs 2×2×2, flattened as (position, channel): channel 0 is removed.
  for (let p = 0; p < 4; p++) for (let k = 0; k < 3; k++) {
    assert.ok(cls.get(p * 2, k) === 0);
    assert.ok(cls.get(p * 2 + 1, k) !== 0);
  }
  method.dispose();
  net.dispose();
});

test('every layer type builds, trains a step on cpu and leaks nothing', async () => {
  const before = tf.memory().numTensors;
  const layers: LayerSpec[] = [
    { type: 'conv2d', filters: 4, kernel: 3, activation: 'relu', sparsity: 0.5 },
    { type: 'depthwiseConv2d', kernel: 3, depthMultiplier: 2, activation: 'elu' },
    { type: 'separableConv2d', filters: 4, kernel: 3, dilation: 2, activation: 'swish' },
    { type: 'batchNorm', affine: false },
    { type: 'maxPool', size: 2, stride: 1, padding: 'same' },
    { type: 'sum', activation: 'relu', branches: [[{ type: 'conv2d', filters: 4, kernel: 1 }], [{ type: 'conv2d', filters: 4, kernel: 3, dilation: 2 }, { type: 'activation', activation: 'gelu' }], []] },
    { type: 'avgPool', size: 2 },
    { type: 'globalAvgPool' },
    { type: 'dense', units: 6, activation: 'tanh' },
    { type: 'dropout', rate: 0.3 },
  ];
  const a = arch(layers, { level: 0.3 }, 'image');
  const { net, method, result } = await trained(a, [6, 6, 2]);
  assert.ok(Number.isFinite(result.trainLoss));
  const out = tf.tidy(() => net.apply(tf.zeros([2, 6, 6, 2]), { training: false }).shape);
  assert.deepEqual(out, [2, 3]);
  assert.deepEqual(net.params.map((p) => p.name), ['conv_0', 'dwconv_1', 'sep_2.depthwise', 'sep_2.pointwise', 'sum_5.b0.conv_0', 'sum_5.b1.conv_0', 'dense_8', 'classifier']);
  assert.equal(net.params[0]!.targetSparsity, 0.5, 'per-layer override');
  const dw = net.params[1]!;
  assert.ok(Math.abs(dw.targetSparsity - 0.3) <= 1 / dw.weight.size, 'global level, to the nearest whole weight');
  method.dispose();
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('batch norm updates its running statistics in training and uses them in inference', async () => {
  const before = tf.memory().numTensors;
  const { net, method } = await trained(arch([{ type: 'dense', units: 4 }, { type: 'batchNorm' }]), [5]);
  const all = net.namedWeights();
  const mean = all.find((w) => w.name === 'bn_1/movingMean')!;
  assert.ok(Array.from(mean.tensor.dataSync()).some((v) => v !== 0), 'running mean moved');
  tf.dispose(all.map((w) => w.tensor));
  // Inference is per-sample: the same input gives the same logits alone or in a batch.
  const [alone, inBatch] = tf.tidy(() => {
    const x = tf.randomNormal([4, 5], 0, 1, 'float32', 1);
    return [net.apply(x.slice([0, 0], [1, 5]), { training: false }).dataSync(), net.apply(x, { training: false }).dataSync().slice(0, 3)];
  });
  assert.deepEqual(Array.from(alone!).map((v) => v.toFixed(5)), Array.from(inBatch!).map((v) => v.toFixed(5)));
  method.dispose();
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test('the explicitly dilated filter equals a dilated convolution and has a gradient', () => {
  tf.tidy(() => {
    const x = tf.randomNormal([1, 9, 9, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 2, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    const ref = tf.conv2d(x, w, 1, 'same', 'NHWC', 2);
    const ours = tf.conv2d(x, dilateFilter(w, 2), 1, 'same');
    assert.ok(tf.max(tf.abs(tf.sub(ref, ours))).dataSync()[0]! < 1e-5);
    const g = tf.grad((k: tf.Tensor) => tf.sum(tf.conv2d(x, dilateFilter(k as tf.Tensor4D, 2), 1, 'same')))(w);
    assert.deepEqual(g.shape, [3, 3, 2, 3]);
  });
});

test('the same seed builds the same weights; another seed does not', () => {
  const a = arch([{ type: 'dense', units: 7, activation: 'relu' }]);
  const read = (seed: number) => {
    const net = buildNetwork(a, [5], 2, seed);
    const v = net.params.map((p) => Array.from(p.weight.dataSync()));
    net.dispose();
    return v;
  };
  assert.deepEqual(read(1), read(1));
  assert.notDeepEqual(read(1), read(2));
});

test('impossible architectures fail with ArchitectureError naming the layer', () => {
  const before = tf.memory().numTensors;
  assert.throws(() => buildNetwork(arch([{ type: 'conv2d', filters: 2, kernel: 3 }]), [4, 4, 1], 2, 1), (e: unknown) => e instanceof ArchitectureError && /conv_0.*image input/.test((e as Error).message));
  assert.throws(() => buildNetwork(arch([{ type: 'conv2d', filters: 2, kernel: 5, padding: 'valid' }], {}, 'image'), [4, 4, 1], 2, 1), /does not fit a 4×4 input/);
  assert.throws(() => buildNetwork(arch([{ type: 'dense', units: 3, keepNodes: [3] }]), [4], 2, 1), /keepNodes index 3 is outside 0..2/);
  assert.throws(() => buildNetwork(arch([{ type: 'sum', branches: [[{ type: 'dense', units: 3 }], [{ type: 'dense', units: 4 }]] }]), [4], 2, 1), /branches must agree/);
  assert.equal(tf.memory().numTensors, before);
});

test('an activation fed the same tensor twice in one forward is computed once, with the gradient of both uses', () => {
  // sum of two branches that are each just a ReLU of the sum's input, then the classifier:
  // logits = (relu(x) + relu(x)) · W + b, as a DARTS node's output feeds several ReLU-first edges.
  const before = tf.memory().numTensors;
  const net = buildNetwork(arch([{ type: 'sum', branches: [[{ type: 'activation', activation: 'relu' }], [{ type: 'activation', activation: 'relu' }]] }]), [5], 3, 7);
  const x = tf.tensor2d([[1, -2, 3, -0.5, 0.25], [-1, 2, -3, 0.5, 4]]);
  const probe = tf.tensor2d([[0.3, -1, 2], [1.5, 0.2, -0.7]]);
  const w = net.params[0]!.weight;
  const relus: string[] = [];
  const engine = tf.engine() as unknown as { runKernel: (name: string, ...rest: unknown[]) => unknown };
  const run = engine.runKernel.bind(engine);
  engine.runKernel = (name: string, ...rest: unknown[]) => { if (name === 'Relu') relus.push(name); return run(name, ...rest); };
  let got: Float32Array[];
  try {
    got = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(net.apply(x, { training: true }), probe)) as tf.Scalar, [w]);
      return [value, grads[w.name]!].map((t) => t.dataSync().slice() as Float32Array);
    });
  } finally {
    engine.runKernel = run;
  }
  assert.equal(relus.length, 1, 'one ReLU for both branches');
  // The same loss and ∂/∂W computed directly: W's gradient is (2·relu(x))ᵀ · probe.
  const want = tf.tidy(() => {
    const h = tf.mul(2, tf.relu(x));
    const loss = tf.sum(tf.mul(tf.add(tf.matMul(h, w), net.trainable.find((v) => v.name !== w.name)!), probe));
    return [loss, tf.matMul(h, probe, true, false)].map((t) => t.dataSync().slice() as Float32Array);
  });
  assert.ok(Math.abs(got![0]![0]! - want[0]![0]!) < 1e-5, `loss ${got![0]![0]} vs ${want[0]![0]}`);
  got![1]!.forEach((g, i) => assert.ok(Math.abs(g - want[1]![i]!) < 1e-5, `dW[${i}] ${g} vs ${want[1]![i]}`));
  // A second forward computes its own (the first one's is not reused across passes).
  tf.tidy(() => { net.apply(x, { training: false }); net.apply(x, { training: false }); });
  tf.dispose([x, probe]);
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
});
