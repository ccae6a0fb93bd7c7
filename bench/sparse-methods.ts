// Times the sparse-training methods' host-side work on realistic kernels (cpu backend): init,
// a topology/pruning step, a plain re-mask step, and SR-STE's forward+backward against plain
// W ⊙ M. Nothing is asserted. Run: npx tsc -p . && node dist/bench/sparse-methods.js
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { createRng, type SparsitySpec } from '../search/index.js';
import { createSparseMethod, type MaskedParam } from '../evaluators/sparse/index.js';

interface Row { kernel: string; method: string; initMs: number; updateStepMs: number; plainStepMs: number }

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median time of `fn`, each run after an untimed `setup` (GMP prunes only once per fresh state). */
function time(fn: () => void, repeats = 3, setup: () => void = () => {}): number {
  setup();
  fn();
  const ms: number[] = [];
  for (let i = 0; i < repeats; i++) {
    setup();
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return Number(median(ms).toFixed(1));
}

function param(shape: number[]): MaskedParam {
  const dense = shape.length === 2;
  return {
    name: 'bench', layerType: dense ? 'dense' : 'conv2d', role: 'hidden',
    weight: tf.variable(tf.randomNormal(shape, 0, 1, 'float32', 1)), mask: tf.variable(tf.ones(shape), false),
    inputAxis: dense ? 0 : 2, outputAxis: shape.length - 1, outputPositions: 1, targetSparsity: 0,
  };
}

await tf.setBackend('cpu');
const base: SparsitySpec = { level: 0.9, kind: 'unstructured', method: 'static', init: 'random', distribution: 'uniform', updateEvery: 100, gmpEvery: 100 };
const specs: SparsitySpec[] = [
  base,
  { ...base, method: 'gmp', init: 'magnitude' },
  { ...base, method: 'rigl' },
  { ...base, method: 'set' },
  { ...base, kind: 'group', group: 'filter', method: 'gmp', init: 'magnitude' },
  { ...base, kind: 'n:m', n: 2, m: 4, method: 'srste', level: 0.5 },
];
const rows: Row[] = [];
for (const shape of [[2304, 256], [3, 3, 64, 64]]) {
  for (const s of specs) {
    const p = param(shape);
    const method = createSparseMethod(s);
    const initMs = time(() => method.init([p], s, createRng(1), 1000), 3, () => tf.tidy(() => { p.mask.assign(tf.onesLike(p.mask)); }));
    const grad = tf.randomNormal(shape);
    const dense = new Map([[p.name, grad]]);
    const reset = () => {
      tf.tidy(() => { p.mask.assign(tf.onesLike(p.mask)); p.weight.assign(tf.randomNormal(shape, 0, 1, 'float32', 1)); });
      method.init([p], s, createRng(1), 1000);
    };
    const updateStepMs = time(() => method.afterStep([p], { step: 100, totalSteps: 1000, learningRate: 0.1 }, dense), 3, reset);
    const plainStepMs = time(() => method.afterStep([p], { step: 101, totalSteps: 1000, learningRate: 0.1 }));
    rows.push({ kernel: shape.join('×'), method: `${s.kind}/${s.method}`, initMs, updateStepMs, plainStepMs });
    method.dispose();
    tf.dispose([grad, p.weight, p.mask]);
  }
}
console.log(`node ${process.version}, backend ${tf.getBackend()}, median of 3 runs after a warm-up`);
console.table(rows);

// SR-STE recomputes the N:M mask on every forward pass: its cost against plain W ⊙ M.
const p = param([2304, 256]);
const s: SparsitySpec = { ...base, kind: 'n:m', n: 2, m: 4, method: 'srste', level: 0.5 };
const method = createSparseMethod(s);
method.init([p], s, createRng(1), 10);
const x = tf.randomNormal([128, 2304]);
const step = (weight: () => tf.Tensor) => () => tf.tidy(() => { tf.variableGrads(() => tf.sum(tf.matMul(x, weight() as tf.Tensor2D)), [p.weight]); });
console.table([
  { forwardBackward: 'W ⊙ M, batch 128', ms: time(step(() => tf.mul(p.weight, p.mask))) },
  { forwardBackward: 'SR-STE 2:4, batch 128', ms: time(step(() => method.effectiveWeight(p))) },
]);
method.dispose();
tf.dispose([x, p.weight, p.mask]);
