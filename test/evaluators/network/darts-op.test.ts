import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ArchitectureError, DARTS_OPS, type DartsOp } from '../../../search/index.js';
import { buildDartsOp } from '../../../evaluators/network/darts-op.js';
import { BN_EPSILON } from '../../../evaluators/network/build-network.js';
import { useBackend } from '../helpers.js';

await useBackend('cpu');

const C = 4;
const input = (h: number, w: number) => tf.tidy(() => tf.sub(tf.randomUniform([2, h, w, C], 0, 2, 'float32', 5), 1));
const EVAL = { training: false } as const;

function nonZero(t: tf.Tensor): boolean {
  const any = tf.tidy(() => tf.any(tf.notEqual(t, 0)));
  const v = any.dataSync()[0] === 1;
  any.dispose();
  return v;
}

function weights(net: ReturnType<typeof buildDartsOp>): Map<string, tf.Tensor> {
  return new Map(net.namedWeights().map((w) => [w.name, w.tensor]));
}

test('every DARTS op: shape ⌈h/s⌉×⌈w/s⌉×C, masked kernels only, BN affine by option, gradients, no leaked tensors', () => {
  const kernels: Record<DartsOp, number> = {
    none: 0, max_pool_3x3: 0, avg_pool_3x3: 0, skip_connect: 0, sep_conv_3x3: 4, sep_conv_5x5: 4, dil_conv_3x3: 2, dil_conv_5x5: 2,
  };
  for (const op of DARTS_OPS) {
    for (const stride of [1, 2] as const) {
      for (const affine of [false, true]) {
        const before = tf.memory().numTensors;
        const net = buildDartsOp(op, C, stride, { inputSize: [7, 6], affine, seed: 3 });
        const what = `${op} stride ${stride} affine ${affine}`;
        assert.deepEqual(net.outShape, [Math.ceil(7 / stride), Math.ceil(6 / stride), C], what);
        const x = input(7, 6);
        const y = tf.tidy(() => net.apply(x, { training: true }));
        assert.deepEqual(y.shape, [2, ...net.outShape], what);
        net.commitBatchNorm();
        // skip_connect at stride 2 is FactorizedReduce: two 1×1 convolutions.
        const expectedKernels = op === 'skip_connect' && stride === 2 ? 2 : kernels[op];
        assert.equal(net.params.length, expectedKernels, what);
        const bnParams = net.trainable.length - net.params.length;
        if (!affine) assert.equal(bnParams, 0, `${what}: a search op has no BN γ, β`);
        else assert.equal(bnParams, 2 * net.records.filter((r) => r.node.spec.type === 'batchNorm').length, what);
        if (net.params.length) {
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(net.apply(x, { training: true }))) as tf.Scalar, net.params.map((p) => p.weight));
          net.discardBatchNorm();
          for (const p of net.params) assert.ok(nonZero(grads[p.weight.name]!), `${what}: ${p.name} gets a gradient`);
          tf.dispose([value, ...Object.values(grads)]);
        }
        tf.dispose([x, y]);
        net.dispose();
        assert.equal(tf.memory().numTensors, before, `${what}: every tensor released`);
      }
    }
  }
});

test('values: none is zeros, skip_connect the identity, pools pad like DARTS (max ignores padding, average excludes it)', () => {
  const x = input(5, 5);
  const out = (op: DartsOp, stride: 1 | 2) => {
    const net = buildDartsOp(op, C, stride, { inputSize: [5, 5], affine: true });
    const y = tf.tidy(() => net.apply(x, EVAL));
    net.dispose();
    return y;
  };
  const none = out('none', 2);
  assert.equal(tf.max(tf.abs(none)).dataSync()[0], 0);
  const skip = out('skip_connect', 1);
  assert.deepEqual(skip.dataSync(), x.dataSync());
  const avg = out('avg_pool_3x3', 1), max = out('max_pool_3x3', 1);
  // The corner window covers the 2×2 corner only: count_include_pad=False divides by 4.
  const corner = tf.tidy(() => tf.slice(x, [0, 0, 0, 0], [2, 2, 2, C]));
  assert.ok(Math.abs(tf.slice(avg, [0, 0, 0, 0], [1, 1, 1, 1]).dataSync()[0]! - tf.mean(tf.slice(corner, [0, 0, 0, 0], [1, 2, 2, 1])).dataSync()[0]!) < 1e-6);
  assert.ok(Math.abs(tf.slice(max, [0, 0, 0, 0], [1, 1, 1, 1]).dataSync()[0]! - tf.max(tf.slice(corner, [0, 0, 0, 0], [1, 2, 2, 1])).dataSync()[0]!) < 1e-6);
  tf.dispose([x, none, skip, avg, max, corner]);
});

test('sep_conv_3x3 is twice [ReLU, depthwise 3×3, pointwise 1×1, BN] and dil_conv_5x5 ReLU, dilated depthwise, pointwise, BN', () => {
  const x = input(6, 6);
  // Eval BN with fresh statistics (mean 0, variance 1, no γ/β): y = x / √(1 + ε).
  const bn = (t: tf.Tensor) => tf.div(t, Math.sqrt(1 + BN_EPSILON));
  const step = (t: tf.Tensor, dw: tf.Tensor, pw: tf.Tensor, stride: number, dilation: number) => bn(tf.conv2d(
    tf.depthwiseConv2d(tf.relu(t) as tf.Tensor4D, dw as tf.Tensor4D, stride, 'same', 'NHWC', dilation), pw as tf.Tensor4D, 1, 'valid'));
  const sep = buildDartsOp('sep_conv_3x3', C, 2, { inputSize: [6, 6], prefix: 'e.' });
  const w = weights(sep);
  const ref = tf.tidy(() => step(step(x, w.get('e.sep_1/depthwise_kernel')!, w.get('e.sep_1/pointwise_kernel')!, 2, 1), w.get('e.sep_4/depthwise_kernel')!, w.get('e.sep_4/pointwise_kernel')!, 1, 1));
  const got = tf.tidy(() => sep.apply(x, EVAL));
  assert.ok(tf.max(tf.abs(tf.sub(got, ref))).dataSync()[0]! < 1e-5);
  assert.deepEqual([...w.keys()].filter((k) => k.includes('kernel')).map((k) => w.get(k)!.shape), [[3, 3, C, 1], [1, 1, C, C], [3, 3, C, 1], [1, 1, C, C]]);
  tf.dispose([...w.values(), ref, got]);
  sep.dispose();
  const dil = buildDartsOp('dil_conv_5x5', C, 1, { inputSize: [6, 6], prefix: 'd.' });
  const v = weights(dil);
  const dref = tf.tidy(() => step(x, v.get('d.sep_1/depthwise_kernel')!, v.get('d.sep_1/pointwise_kernel')!, 1, 2));
  const dgot = tf.tidy(() => dil.apply(x, EVAL));
  assert.ok(tf.max(tf.abs(tf.sub(dgot, dref))).dataSync()[0]! < 1e-5);
  tf.dispose([...v.values(), dref, dgot, x]);
  dil.dispose();
});

test('seeded and named: the same seed and prefix give the same kernels, another prefix other ones; sparsity is the kernels\' target', () => {
  const a = buildDartsOp('dil_conv_3x3', C, 1, { inputSize: [4, 4], seed: 7, prefix: 'a.', sparsity: 0.5 });
  const b = buildDartsOp('dil_conv_3x3', C, 1, { inputSize: [4, 4], seed: 7, prefix: 'a.' });
  const c = buildDartsOp('dil_conv_3x3', C, 1, { inputSize: [4, 4], seed: 7, prefix: 'c.' });
  assert.deepEqual(a.params[0]!.weight.dataSync(), b.params[0]!.weight.dataSync());
  assert.notDeepEqual(a.params[0]!.weight.dataSync(), c.params[0]!.weight.dataSync());
  assert.deepEqual(a.params.map((p) => p.targetSparsity), [0.5, 0.5]);
  assert.deepEqual(a.params.map((p) => p.role), ['hidden', 'hidden']);
  [a, b, c].forEach((n) => n.dispose());
});

test('refuses an unknown op, a bad stride, channels or input size, naming the argument', () => {
  assert.throws(() => buildDartsOp('conv_7x7' as DartsOp, C, 1, { inputSize: [4, 4] }), (e: unknown) => e instanceof ArchitectureError && /not a DARTS op; known ops: none, max_pool_3x3/.test(e.message));
  assert.throws(() => buildDartsOp('sep_conv_3x3', C, 3 as 1, { inputSize: [4, 4] }), /stride must be 1 or 2, got 3/);
  assert.throws(() => buildDartsOp('sep_conv_3x3', 0, 1, { inputSize: [4, 4] }), /channels must be a positive integer, got 0/);
  assert.throws(() => buildDartsOp('sep_conv_3x3', C, 1, { inputSize: [4] as unknown as [number, number] }), /inputSize must be \[height, width\]/);
});
