import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installNativeKernels, loadNativeAddon, nativeAvailable, uninstallNativeKernels } from '../../../evaluators/kernels/native/index.js';

/** Seeded uniform(-1, 1) values (mulberry32), so failures reproduce. */
function randomValues(size: number, seed: number, quantise = false): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    // Quantised inputs create ties, which exercise the max-pool first-maximum rule.
    out[i] = quantise ? Math.floor(u * 3) : u * 2 - 1;
  }
  return out;
}

interface Operand { shape: number[]; values: Float32Array }
const operand = (shape: number[], seed: number, quantise = false): Operand => ({
  shape,
  values: randomValues(tf.util.sizeFromShape(shape), seed, quantise),
});

/** Runs `op` on fresh tensors on the given backend and returns its result's values. */
async function runOn(backend: string, inputs: Operand[], op: (...ts: tf.Tensor[]) => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const result = tf.tidy(() => op(...inputs.map((o) => tf.tensor(o.values, o.shape))));
  const values = (await result.data()) as Float32Array;
  result.dispose();
  return values;
}

/** Compares wasm+native with the pure-JS cpu backend: max |diff| <= 1e-4 * max |reference|. */
async function assertMatchesCpu(label: string, inputs: Operand[], op: (...ts: tf.Tensor[]) => tf.Tensor): Promise<void> {
  const before = tf.memory().numTensors;
  const expected = await runOn('cpu', inputs, op);
  const actual = await runOn('wasm', inputs, op);
  assert.equal(actual.length, expected.length, `${label}: output size`);
  let scale = 1e-6;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  assert.ok(worst <= 1e-4 * scale, `${label}: max |native - cpu| = ${worst} exceeds 1e-4 x ${scale}`);
  assert.equal(tf.memory().numTensors, before, `${label}: tensors leaked`);
}

const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor =>
  tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;

const status = nativeAvailable();

test('with the addon disabled, nativeAvailable says why and installNativeKernels registers nothing', () => {
  // A child process: the addon is loaded once per process.
  const index = new URL('../../../evaluators/kernels/native/index.js', import.meta.url).href;
  const script = `const m = await import(${JSON.stringify(index)}); console.log(JSON.stringify([m.nativeAvailable(), m.installNativeKernels()]));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, SPARSENAS_NATIVE: '0' },
  });
  assert.equal(run.status, 0, run.stderr);
  const [available, installed] = JSON.parse(run.stdout.trim().split('\n').pop()!) as [{ ok: boolean; reason: string }, string[]];
  assert.deepEqual(available, { ok: false, reason: 'native kernels disabled by SPARSENAS_NATIVE=0' });
  assert.deepEqual(installed, []);
});

describe('native wasm kernels', { skip: status.ok ? false : `skipped: ${status.reason}` }, () => {
  const addon = loadNativeAddon().addon!;
  const isas = ['avx512', 'avx2', 'generic'];
  let defaultIsa = '';

  before(async () => {
    defaultIsa = addon.info().isa;
    await tf.setBackend('wasm');
    installNativeKernels();
  });
  after(() => {
    addon.selectIsa(defaultIsa);
  });

  test('installNativeKernels registers every kernel once; uninstall restores the previous kernels', () => {
    const names = ['BatchMatMul', '_FusedMatMul', 'Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPool', 'MaxPoolGrad', 'Sum', 'Identity',
      'Cast', 'Add', 'Sub', 'Multiply', 'RealDiv', 'Sqrt', 'Square', 'Relu', 'Step'];
    uninstallNativeKernels();
    const previous = names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc);
    assert.deepEqual(installNativeKernels(), names);
    for (const [i, name] of names.entries()) assert.notEqual(tf.getKernel(name, 'wasm')?.kernelFunc, previous[i], name);
    assert.deepEqual(installNativeKernels(), []);
    assert.deepEqual(uninstallNativeKernels(), names);
    assert.deepEqual(names.map((name) => tf.getKernel(name, 'wasm')?.kernelFunc), previous);
    installNativeKernels();
  });

  // [m, k, n]: single tiles, ragged edges of 12x32/6x16/4x16 tiles, several K blocks
  // (kc = 256), the threaded path, split-K (tiny output, long K), and column strips.
  const shapes = [[1, 1, 1], [7, 3, 5], [33, 45, 70], [130, 300, 40], [10, 2000, 20], [5, 1100, 2000]];
  for (const isa of isas) {
    test(`BatchMatMul, every transposition, ${isa} micro-kernel`, { skip: addon.selectIsa(isa) ? false : `no ${isa} micro-kernel here (CPU or build target)` }, async () => {
      addon.selectIsa(isa);
      let seed = 1;
      for (const [m, k, n] of shapes) {
        for (const ta of [false, true]) {
          for (const tb of [false, true]) {
            const a = operand(ta ? [k, m] : [m, k], seed++);
            const b = operand(tb ? [n, k] : [k, n], seed++);
            await assertMatchesCpu(`${m}x${k}x${n} ta=${ta} tb=${tb}`, [a, b], (x, y) => tf.matMul(x, y, ta, tb));
          }
        }
      }
      addon.selectIsa(defaultIsa);
    });
  }

  test('BatchMatMul with batch dimensions, broadcast and the fallback for mixed broadcast', async () => {
    const cases: Array<[number[], number[], boolean, boolean]> = [
      [[3, 9, 17], [3, 17, 40], false, false],
      [[2, 2, 17, 9], [2, 2, 40, 17], true, true],
      [[4, 9, 17], [17, 40], false, false],
      [[9, 17], [5, 17, 40], false, false],
      [[2, 1, 9, 17], [1, 3, 17, 8], false, false], // goes to the stock wasm kernel
    ];
    let seed = 100;
    for (const [sa, sb, ta, tb] of cases) {
      await assertMatchesCpu(`${sa} x ${sb}`, [operand(sa, seed++), operand(sb, seed++)], (x, y) => tf.matMul(x, y, ta, tb));
    }
  });

  test('_FusedMatMul with bias and every activation', async () => {
    let seed = 200;
    const acts = ['linear', 'relu', 'relu6', 'leakyrelu', 'sigmoid', 'elu', 'prelu'] as const;
    for (const activation of acts) {
      for (const [ta, tb] of [[false, false], [true, false], [false, true]] as const) {
        const [m, k, n] = [37, 50, 45];
        const a = operand(ta ? [k, m] : [m, k], seed++);
        const b = operand(tb ? [n, k] : [k, n], seed++);
        const bias = operand([n], seed++);
        const alpha = operand([n], seed++);
        await assertMatchesCpu(`${activation} ta=${ta} tb=${tb}`, [a, b, bias, alpha], (x, y, z, w) =>
          tf.fused.matMul({
            a: x, b: y, transposeA: ta, transposeB: tb, bias: z, activation,
            preluActivationWeights: activation === 'prelu' ? w : undefined,
            leakyreluAlpha: 0.2,
          }),
        );
      }
    }
    await assertMatchesCpu('no bias', [operand([20, 30], seed++), operand([30, 8], seed++)], (x, y) =>
      tf.fused.matMul({ a: x, b: y, activation: 'relu' }),
    );
  });

  type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
  // x shape, filter shape, strides, pad, dilations
  const convCases: Array<[number[], number[], [number, number], Pad, [number, number]]> = [
    [[2, 9, 9, 3], [3, 3, 3, 4], [1, 1], 'valid', [1, 1]],
    [[2, 9, 9, 3], [3, 3, 3, 4], [2, 2], 'same', [1, 1]],
    [[2, 10, 7, 2], [5, 5, 2, 3], [2, 1], 'same', [1, 1]],
    [[1, 8, 8, 3], [3, 3, 3, 5], [1, 1], [[0, 0], [1, 2], [2, 1], [0, 0]], [1, 1]],
    [[3, 6, 6, 16], [1, 1, 16, 33], [1, 1], 'valid', [1, 1]],
    [[3, 28, 28, 1], [3, 3, 1, 8], [1, 1], 'valid', [1, 1]],
    [[9, 13, 13, 8], [3, 3, 8, 40], [1, 1], 'valid', [1, 1]],
  ];
  const dilated: Array<[number[], number[], [number, number], Pad, [number, number]]> = [
    [[2, 11, 11, 3], [3, 3, 3, 4], [1, 1], 'same', [2, 2]],
    [[2, 11, 11, 3], [3, 2, 3, 4], [1, 1], 'valid', [1, 3]],
  ];

  test('Conv2D and FusedConv2D: strides, SAME/VALID/explicit padding, dilation, 1x1', async () => {
    let seed = 300;
    for (const [xs, fs, strides, pad, dilations] of [...convCases, ...dilated]) {
      const x = operand(xs, seed++);
      const f = operand(fs, seed++);
      const bias = operand([fs[3]], seed++);
      await assertMatchesCpu(`conv2d ${xs} ${fs} ${strides} ${JSON.stringify(pad)} d${dilations}`, [x, f], (a, b) =>
        tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, strides, pad, 'NHWC', dilations),
      );
      await assertMatchesCpu(`fused conv2d ${xs} ${fs}`, [x, f, bias], (a, b, c) =>
        tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides, pad, dilations, bias: c, activation: 'relu' }),
      );
      await assertMatchesCpu(`fused conv2d prelu ${xs} ${fs}`, [x, f, bias], (a, b, c) =>
        tf.fused.conv2d({ x: a as tf.Tensor4D, filter: b as tf.Tensor4D, strides, pad, dilations, activation: 'prelu', preluActivationWeights: c }),
      );
    }
  });

  test('Conv2DBackpropFilter and Conv2DBackpropInput', async () => {
    let seed = 400;
    for (const [xs, fs, strides, pad] of convCases) {
      const info = tf.backend_util.computeConv2DInfo(xs as [number, number, number, number], fs as [number, number, number, number], strides, 1, pad);
      const x = operand(xs, seed++);
      const f = operand(fs, seed++);
      const dy = operand(info.outShape, seed++);
      const attrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
      await assertMatchesCpu(`filter grad ${xs} ${fs} ${strides} ${JSON.stringify(pad)}`, [x, dy], (a, b) =>
        run('Conv2DBackpropFilter', { x: a, dy: b }, { ...attrs, filterShape: fs }),
      );
      await assertMatchesCpu(`input grad ${xs} ${fs} ${strides} ${JSON.stringify(pad)}`, [dy, f], (a, b) =>
        run('Conv2DBackpropInput', { dy: a, filter: b }, { ...attrs, inputShape: xs }),
      );
    }
  });

  test('MaxPool and MaxPoolGrad, including ties (first maximum wins)', async () => {
    let seed = 500;
    const cases: Array<[number[], number, number, 'valid' | 'same']> = [
      [[2, 8, 8, 3], 2, 2, 'valid'],
      [[2, 9, 9, 5], 3, 2, 'same'],
      [[1, 7, 7, 2], 3, 1, 'same'],
      [[3, 11, 11, 64], 2, 2, 'valid'],
      [[2, 13, 10, 16], 3, 3, 'valid'], // tiled, 3 x 3, one row and one column uncovered
    ];
    for (const [xs, size, stride, pad] of cases) {
      for (const quantise of [false, true]) {
        const x = operand(xs, seed++, quantise);
        const label = `${xs} f${size} s${stride} ${pad}${quantise ? ' ties' : ''}`;
        await assertMatchesCpu(`maxPool ${label}`, [x], (a) => tf.maxPool(a as tf.Tensor4D, size, stride, pad));
        const outShape = tf.backend_util.computePool2DInfo(xs as [number, number, number, number], size, stride, 1, pad).outShape;
        const dy = operand(outShape, seed++);
        const poolGrad = (a: tf.Tensor, b: tf.Tensor) => {
          const y = tf.maxPool(a as tf.Tensor4D, size, stride, pad);
          return run('MaxPoolGrad', { dy: b, input: a, output: y }, { filterSize: size, strides: stride, pad });
        };
        await assertMatchesCpu(`maxPoolGrad ${label}`, [x, dy], poolGrad);
        if (size === stride && pad === 'valid') {
          // Windows that tile the input: every dx is one dy or 0, so the cpu backend's values
          // exactly, the uncovered last row/column included (a tolerance would pass any tiny
          // garbage there). Overlapping windows add several dy, in another order than the cpu's.
          const [want, got] = [await runOn('cpu', [x, dy], poolGrad), await runOn('wasm', [x, dy], poolGrad)];
          assert.deepEqual(Array.from(got), Array.from(want), `maxPoolGrad ${label}: not the cpu backend's values`);
        }
      }
    }
  });

  test('MaxPool and MaxPoolGrad: the AVX-512 paths give the portable loops\' bits (overlapping windows, padding, ties, channel tails)', async (t) => {
    let seed = 560;
    const cases: Array<[number[], number, number, 'valid' | 'same']> = [
      [[2, 9, 9, 5], 3, 2, 'same'],
      [[2, 14, 14, 4], 3, 1, 'same'], // a DARTS max_pool_3x3 at C = 4
      [[1, 10, 10, 20], 3, 1, 'same'], // one full and one masked 16-channel chunk
      [[2, 8, 8, 33], 2, 2, 'valid'],
    ];
    for (const [xs, size, stride, pad] of cases) {
      for (const quantise of [false, true]) {
        const x = operand(xs, seed++, quantise);
        const dy = operand(tf.backend_util.computePool2DInfo(xs as [number, number, number, number], size, stride, 1, pad).outShape, seed++);
        const poolGrad = (a: tf.Tensor, b: tf.Tensor) => run('MaxPoolGrad', { dy: b, input: a, output: tf.maxPool(a as tf.Tensor4D, size, stride, pad) }, { filterSize: size, strides: stride, pad });
        const pool = (a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, size, stride, pad);
        const both = async () => [await runOn('wasm', [x], pool), await runOn('wasm', [x, dy], poolGrad)];
        const wide = await both();
        process.env.SPARSENAS_POOL_PORTABLE = '1';
        let portable: Float32Array[];
        try { portable = await both(); } finally { delete process.env.SPARSENAS_POOL_PORTABLE; }
        const label = `${xs} f${size} s${stride} ${pad}${quantise ? ' ties' : ''}`;
        assert.deepEqual(Array.from(wide[0]!), Array.from(portable[0]!), `maxPool ${label}`);
        assert.deepEqual(Array.from(wide[1]!), Array.from(portable[1]!), `maxPoolGrad ${label}`);
      }
    }
    if (!/avx512f/.test(readFileSync('/proc/cpuinfo', 'utf8'))) t.diagnostic('no AVX-512 here: both runs took the portable loop');
  });

  test('Sum over leading axes, trailing axes, keepDims, and other axis sets (fallback)', async () => {
    let seed = 700;
    const cases: Array<[number[], number | number[], boolean]> = [
      [[64, 26, 26, 8], [0, 1, 2], false], // conv bias gradient, several tasks
      [[300, 7], 0, true],
      [[5, 6, 7], [1, 2], false],
      [[2000, 40], 1, false],
      [[3, 4, 5], [0, 2], false], // neither leading nor trailing: stock kernel
      [[17], 0, false],
    ];
    for (const [shape, axis, keepDims] of cases) {
      await assertMatchesCpu(`sum ${shape} axis ${axis} keepDims ${keepDims}`, [operand(shape, seed++)], (x) => tf.sum(x, axis, keepDims));
    }
  });

  test('element-wise ops: same shape, scalar and last-axis broadcasts, sizes across chunks; fallback for others', async () => {
    let seed = 800;
    const pairs: Array<[number[], number[]]> = [
      [[300, 70], [300, 70]], // several 16 Ki chunks, threaded
      [[5, 7], []],
      [[], [5, 7]],
      [[40, 9, 33], [33]],
      [[1, 33], [40, 9, 33]],
      [[1000, 97], [1, 97]], // row chunks straddle task boundaries
      [[4, 1, 6], [1, 5, 1]], // general broadcast: stock kernel
    ];
    const ops: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
      ['add', tf.add], ['sub', tf.sub], ['mul', tf.mul], ['div', (a, b) => tf.div(a, tf.add(tf.abs(b), 0.5))],
    ];
    for (const [sa, sb] of pairs) {
      for (const [name, op] of ops) {
        await assertMatchesCpu(`${name} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, [operand(sa, seed++), operand(sb, seed++)], op);
      }
    }
    const x = operand([257, 300], seed++);
    await assertMatchesCpu('sqrt', [x], (t) => tf.sqrt(tf.abs(t)));
    await assertMatchesCpu('square', [x], tf.square);
    await assertMatchesCpu('relu', [x], tf.relu);
    await assertMatchesCpu('step', [x], (t) => tf.step(t, 0.25));
    await assertMatchesCpu('cast to float32', [x], (t) => tf.cast(t, 'float32'));
    await assertMatchesCpu('relu gradient', [x], (t) => tf.grad((u: tf.Tensor) => tf.sum(tf.mul(tf.relu(u), u)))(t));
  });

  test('Identity shares the heap block and survives the disposal of its input', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    x.dispose();
    assert.deepEqual(Array.from(await y.data()), [1, 2, 3, 4]);
    y.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  test('gradients of a small conv/pool/dense loss match the cpu backend', async () => {
    const x = operand([4, 12, 12, 2], 600);
    const w1 = operand([3, 3, 2, 6], 601);
    const w2 = operand([5 * 5 * 6, 3], 602);
    await assertMatchesCpu('conv net gradients', [x, w1, w2], (input, a, b) => {
      const loss = (f: tf.Tensor, d: tf.Tensor) => {
        const h = tf.maxPool(tf.relu(tf.conv2d(input as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid')), 2, 2, 'valid');
        return tf.sum(tf.square(tf.matMul(tf.reshape(h, [4, -1]), d)));
      };
      const [ga, gb] = tf.grads(loss)([a, b]);
      return tf.concat([ga.flatten(), gb.flatten()]);
    });
  });
});
