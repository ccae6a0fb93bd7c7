import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installKernels } from '../../evaluators/kernels/index.js';
import { installNativeKernels, loadNativeAddon, patternOf, sparseDense } from '../../evaluators/kernels/native/index.js';
import { OPTIMIZER_EPSILON } from '../../evaluators/optimizer.js';
import { SparseAdam, type MomentLayout } from '../../evaluators/sparse-optimizer.js';
import type { MaskedParam } from '../../evaluators/sparse/types.js';
import { createRng, type TrainingConfig } from '../../search/index.js';

function uniform(size: number, seed: number): Float32Array {
  const rng = createRng(seed, seed);
  return Float32Array.from({ length: size }, () => rng.next());
}

const { addon } = loadNativeAddon();
const has = addon !== null && typeof addon.sparseAdam === 'function';

interface Layer { w: tf.Variable; b: tf.Variable; mask: tf.Variable; param: MaskedParam }

describe('sparse Adam (Adam at the mask\'s non-zeros only)', { skip: has ? false : 'native addon without sparseAdam (node scripts/build-native.mjs)' }, () => {
  before(async () => {
    await tf.setBackend('wasm');
    installKernels('wasm');
    installNativeKernels();
  });

  const [batch, inputs, outputs] = [24, 30, 20];
  const x = () => tf.tensor(uniform(batch * inputs, 1).map((v) => v * 2 - 1), [batch, inputs]);
  const probe = () => tf.tensor(uniform(batch * outputs, 2).map((v) => v * 2 - 1), [batch, outputs]);

  function layer(tag: string, mask: Float32Array): Layer {
    const [w, b, m] = tf.tidy(() => [
      tf.variable(tf.tensor(uniform(inputs * outputs, 3).map((v, i) => (v - 0.5) * mask[i]!), [inputs, outputs]), true, `w_${tag}`),
      tf.variable(tf.tensor(uniform(outputs, 4).map((v) => v - 0.5)), true, `b_${tag}`),
      tf.variable(tf.tensor(mask, [inputs, outputs]), false, `m_${tag}`),
    ]) as [tf.Variable, tf.Variable, tf.Variable];
    const param = { name: `dense_${tag}`, layerType: 'dense', role: 'hidden', weight: w, mask: m, inputAxis: 0, outputAxis: 1, outputPositions: 1, targetSparsity: 0.8 } as MaskedParam;
    return { w, b, mask: m, param };
  }

  /** Moves a layer's mask as RigL does: W ← W ⊙ M_new, grown connections start at exactly 0. */
  function moveMask(l: Layer, next: Float32Array): void {
    const old = l.mask.dataSync().slice();
    const w = l.w.dataSync().slice();
    for (let i = 0; i < w.length; i++) if (next[i] === 0 || old[i] === 0) w[i] = 0;
    tf.tidy(() => {
      l.mask.assign(tf.tensor(next, [inputs, outputs]));
      l.w.assign(tf.tensor(w, [inputs, outputs]));
    });
  }

  const close = (got: ArrayLike<number>, want: ArrayLike<number>, label: string, tol = 2e-5) => {
    let worst = 0, scale = 1e-6;
    for (let i = 0; i < want.length; i++) { worst = Math.max(worst, Math.abs(got[i]! - want[i]!)); scale = Math.max(scale, Math.abs(want[i]!)); }
    assert.ok(worst <= tol * scale + 1e-7, `${label}: max |sparse - dense| = ${worst} (scale ${scale})`);
  };

  /**
   * Masks over 9 steps: A (steps 1-3), B = A minus some, plus never-active positions (4-6),
   * C = B plus positions dropped at step 4 (7-9): regrown after 3 steps off.
   */
  function masks(): Float32Array[] {
    const u = uniform(inputs * outputs, 9);
    const a = u.map((v) => (v < 0.25 ? 1 : 0));
    const b = a.map((v, i) => (v === 1 && u[i]! < 0.1 ? 0 : v === 0 && u[i]! > 0.85 ? 1 : v));
    const c = b.map((v, i) => (a[i] === 1 && v === 0 && i % 2 === 0 ? 1 : v));
    return [a, b, c];
  }

  function run(layout: MomentLayout, training: TrainingConfig, routeAt: (step: number) => boolean) {
    const [ma, mb, mc] = masks();
    const dense = layer(`d${layout}`, ma!), sparse = layer(`s${layout}`, ma!);
    const xs = x(), ps = probe();
    const denseOpt = tf.train.adam(training.learningRate, 0.9, 0.999, OPTIMIZER_EPSILON);
    const sparseOpt = tf.train.adam(training.learningRate, 0.9, 0.999, OPTIMIZER_EPSILON);
    const router = new SparseAdam(sparseOpt, addon!, layout);
    const kernelsOf = (l: Layer) => new Map([[l.w.name, l.w]]);
    try {
      for (let step = 1; step <= 9; step++) {
        if (step === 4) { moveMask(dense, mb!); moveMask(sparse, mb!); }
        if (step === 7) { moveMask(dense, mc!); moveMask(sparse, mc!); }
        // Dense: W ⊙ M through matMul, tfjs Adam, re-mask.
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tf.relu(tf.add(tf.matMul(xs, tf.mul(dense.w, dense.mask)), dense.b)), ps)) as tf.Scalar, [dense.w, dense.b]);
          const renamed = { [dense.w.name]: grads[dense.w.name]!, [dense.b.name]: grads[dense.b.name]! };
          let g: Record<string, tf.Tensor> = renamed;
          if (training.gradClipNorm !== undefined) {
            const norm = tf.sqrt(tf.addN(Object.values(g).map((t) => tf.sum(tf.square(t)))));
            const scale = tf.div(training.gradClipNorm, tf.maximum(norm, training.gradClipNorm));
            g = Object.fromEntries(Object.entries(g).map(([k, t]) => [k, tf.mul(t, scale)]));
          }
          if (training.weightDecay) g[dense.w.name] = tf.add(g[dense.w.name]!, tf.mul(dense.w, training.weightDecay));
          denseOpt.applyGradients(g as unknown as Parameters<typeof denseOpt.applyGradients>[0]);
          dense.w.assign(tf.mul(dense.w, dense.mask));
        });
        // Sparse: the sparse kernels' gradient, the sparse Adam where routed.
        const route = routeAt(step);
        let here = new Set<string>();
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => tf.sum(tf.mul(sparseDense(xs as tf.Tensor2D, sparse.w, patternOf(sparse.mask), sparse.b, 'relu'), ps)) as tf.Scalar, [sparse.w, sparse.b]);
          here = router.applyGradients(grads, new Map(route ? [[sparse.w.name, sparse.param]] : []), training, kernelsOf(sparse));
        });
        assert.deepEqual([...here], route ? [sparse.w.name] : [], `step ${step} routed`);
        if (!route) tf.tidy(() => { sparse.w.assign(tf.mul(sparse.w, sparse.mask)); });
        const w = sparse.w.dataSync(), m = sparse.mask.dataSync();
        m.forEach((v, i) => { if (v === 0) assert.ok(w[i] === 0, `step ${step}: w[${i}] = ${w[i]} off the mask`); });
        close(w, dense.w.dataSync(), `${layout} step ${step} W`);
        close(sparse.b.dataSync(), dense.b.dataSync(), `${layout} step ${step} bias`);
        // The moments, as the dense path holds them (decayed off the mask).
        const denseSlots = (denseOpt as unknown as { accumulatedFirstMoment: { variable: tf.Variable }[]; accumulatedSecondMoment: { variable: tf.Variable }[] });
        const held = router.moments(sparse.w.name, step + 1);
        if (held) {
          close(held.m, denseSlots.accumulatedFirstMoment[0]!.variable.dataSync(), `${layout} step ${step} m`);
          close(held.v, denseSlots.accumulatedSecondMoment[0]!.variable.dataSync(), `${layout} step ${step} v`);
        } else {
          const slots = (sparseOpt as unknown as typeof denseSlots);
          close(slots.accumulatedFirstMoment[0]!.variable.dataSync(), denseSlots.accumulatedFirstMoment[0]!.variable.dataSync(), `${layout} step ${step} tfjs m`);
          close(slots.accumulatedSecondMoment[0]!.variable.dataSync(), denseSlots.accumulatedSecondMoment[0]!.variable.dataSync(), `${layout} step ${step} tfjs v`);
        }
      }
      return { dense: dense.w.dataSync().slice(), sparse: sparse.w.dataSync().slice() };
    } finally {
      router.dispose();
      denseOpt.dispose();
      sparseOpt.dispose();
      tf.dispose([xs, ps, dense.w, dense.b, dense.mask, sparse.w, sparse.b, sparse.mask]);
    }
  }

  const plain: TrainingConfig = { epochs: 1, batchSize: batch, optimizer: 'adam', learningRate: 0.01 };
  for (const layout of ['dense', 'compact'] as const) {
    test(`equals the dense masked Adam step over 9 steps and two mask moves (regrowth after 3 steps off) (${layout} moments)`, () => {
      const before = tf.memory().numTensors;
      const out = run(layout, plain, () => true);
      // Not trivially equal: the weights moved from their start.
      assert.ok(out.sparse.some((v, i) => Math.abs(v - (uniform(inputs * outputs, 3)[i]! - 0.5)) > 1e-3), 'weights trained');
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    });
    test(`with gradient clipping and weight decay (${layout} moments)`, () => {
      run(layout, { ...plain, gradClipNorm: 0.5, weightDecay: 0.01 }, () => true);
    });
    test(`a param that leaves the route and comes back hands its moments over both ways (${layout} moments)`, () => {
      // routed 1-2, tfjs 3-5 (mask moves at 4 under tfjs), routed 6-9 (mask moves at 7)
      run(layout, plain, (s) => s <= 2 || s >= 6);
    });
  }

  test('a weight shared with another tensor is copied first: the other keeps its values', () => {
    const mask = uniform(inputs * outputs, 9).map((v) => (v < 0.3 ? 1 : 0));
    const l = layer('shared', mask);
    const opt = tf.train.adam(0.1, 0.9, 0.999, OPTIMIZER_EPSILON);
    const router = new SparseAdam(opt, addon!);
    const copy = tf.clone(l.w);
    const was = copy.dataSync().slice();
    tf.tidy(() => {
      const grad = tf.mul(tf.onesLike(l.w), l.mask);
      router.applyGradients({ [l.w.name]: grad }, new Map([[l.w.name, l.param]]), plain, new Map());
    });
    assert.deepEqual(copy.dataSync(), was, 'the clone is unchanged');
    assert.notDeepEqual(l.w.dataSync(), was, 'the weight stepped');
    router.dispose();
    opt.dispose();
    tf.dispose([copy, l.w, l.b, l.mask]);
  });

  test('the addon refuses moments of the wrong size, naming them', () => {
    const mask = uniform(inputs * outputs, 9).map((v) => (v < 0.3 ? 1 : 0));
    const l = layer('bad', mask);
    const opt = tf.train.adam(0.1, 0.9, 0.999, OPTIMIZER_EPSILON);
    const p = patternOf(l.mask);
    const grad = tf.zerosLike(l.w);
    const backend = tf.backend() as unknown as { dataIdMap: { get(d: object): { memoryOffset: number } }; wasm: { HEAPF32: Float32Array } };
    assert.throws(() => addon!.sparseAdam!(backend.wasm.HEAPF32, backend.dataIdMap.get(l.w.dataId).memoryOffset, backend.dataIdMap.get(grad.dataId).memoryOffset,
      Int32Array.from([inputs, outputs, 1, 0, 0]), p.iptr, p.iidx, new Float32Array(p.nnz + 1), new Float32Array(p.nnz), new Float64Array(10)), /first moment must be a Float32Array of \d+ values/);
    opt.dispose();
    tf.dispose([grad, l.w, l.b, l.mask]);
  });
});
