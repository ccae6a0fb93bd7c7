/**
 * Sparse kernels (issue 15): samples/s of one training step (batch 128, Adam, W re-masked after
 * every step as the sparse methods do) of the reference MLP 784-300-100-10 and CNN at densities
 * 1, 0.5, 0.2, 0.1, 0.05, 0.02, on the native backend with
 *   dense   every layer as W ⊙ M through the native dense GEMM / convolution,
 *   sparse  every dense and conv layer on the sparse kernels (whatever its density),
 *   auto    what the evaluator does: sparse where `prefersSparse` / `prefersSparseConv` (the crossover rules) say so,
 * against PyTorch dense (W * M) and PyTorch's torch.sparse route (MLP) in the same run,
 * alternating, medians of the repeats (the networks and routes: bench/sparse-route.ts). Also the per-layer crossover (forward + backward of one
 * layer, dense vs sparse, CPU time) and the machine's dense sgemm peak, with the load average:
 * the machine is shared, so only ratios measured side by side mean much.
 *
 * N:M (SR-STE) rows: the reference MLP's whole training step (trainNetwork) with the N:M kernels
 * and with SPARSENAS_SPARSE_KERNELS=0, against the same network dense and PyTorch dense, in the
 * same rounds; and the per-layer N:M table (bench/sparse-nm.ts).
 *
 *   npm run bench -- sparse [--repeats 3] [--models mlp,cnn|none] [--densities 1,0.5,0.2,0.1,0.05,0.02] [--no-layers] [--layer-densities 1,0.5,0.4,0.3,0.2,0.1,0.05] [--no-conv-layers]
 *                           [--nm 2:4,1:4,2:8|none] [--no-nm-layers]
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installKernels } from '../evaluators/kernels/index.js';
import {
  installNativeKernels, loadNativeAddon, SPARSE_CONV_DENSITY_CROSSOVER, SPARSE_CONV_MIN_PATCH, SPARSE_DENSITY_CROSSOVER,
} from '../evaluators/kernels/native/index.js';
import { DEFAULT_LAYOUT, SPARSE_ADAM_MAX_DENSITY, SparseAdam, type MomentLayout } from '../evaluators/sparse-optimizer.js';
import { NM_LAYER_SHAPES, nmLayerCost, nmTrainRate, staticNmLayerCost, type NmRun } from './sparse-nm.js';
import { BATCH, buildRouteStep, convLayer, denseLayer, makeLayersOf, paramOf, TRAINING, type Model, type Route } from './sparse-route.js';
import { TorchReference, type TorchRun } from './torch-reference.js';

/** One training step's rate (buildRouteStep), after a warm-up of a tenth of `steps` (at least 2). */
function trainRate(model: Model, density: number, route: Route, steps: number, layout?: MomentLayout | 'tfjs'): TorchRun {
  const run = buildRouteStep(model, density, route, layout);
  try {
    for (let i = 0; i < Math.max(2, Math.ceil(steps / 10)); i++) run.step();
    let fastest = Infinity;
    const start = performance.now();
    const cpu = process.cpuUsage();
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      run.step();
      fastest = Math.min(fastest, performance.now() - t0);
    }
    const used = process.cpuUsage(cpu);
    const samples = steps * BATCH;
    return { samplesPerSec: samples / ((performance.now() - start) / 1000), samplesPerCpuSec: samples / ((used.user + used.system) / 1e6), fastestStepSamplesPerSec: BATCH / (fastest / 1000) };
  } finally {
    run.dispose();
  }
}

/**
 * The optimiser step alone for one [inputs x outputs] masked weight and its bias, CPU ms per
 * step: tfjs Adam + re-mask, or the sparse Adam with dense or compact moments.
 */
function optimiserCost(inputs: number, outputs: number, density: number, layout: MomentLayout | 'tfjs'): number {
  const [l] = makeLayersOf([[inputs, outputs]], density);
  const mask = l!.mask ?? tf.onesLike(l!.w);
  const optimizer = tf.train.adam(TRAINING.learningRate, 0.9, 0.999, 1e-7);
  const sparseAdam = layout === 'tfjs' ? undefined : new SparseAdam(optimizer, loadNativeAddon().addon!, layout);
  const param = paramOf({ ...l!, mask }, 0);
  const grad = tf.tidy(() => tf.mul(tf.randomNormal([inputs, outputs], 0, 1, 'float32', 3), mask));
  const gb = tf.randomNormal([outputs], 0, 1, 'float32', 4);
  const grads = { [l!.w.name]: grad, [l!.b.name]: gb };
  const kernels = new Map([[l!.w.name, l!.w]]);
  const step = () => {
    if (sparseAdam) sparseAdam.applyGradients(grads, new Map([[l!.w.name, param]]), TRAINING, kernels);
    else {
      optimizer.applyGradients(grads as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      tf.tidy(() => { l!.w.assign(tf.mul(l!.w, mask)); });
    }
  };
  const reps = 40;
  for (let i = 0; i < 5; i++) step();
  const cpu = process.cpuUsage();
  for (let i = 0; i < reps; i++) step();
  const used = process.cpuUsage(cpu);
  sparseAdam?.dispose();
  optimizer.dispose();
  tf.dispose([grad, gb, l!.w, l!.b, mask, ...(l!.mask && l!.mask !== mask ? [l!.mask] : [])]);
  return (used.user + used.system) / 1000 / reps;
}

/** Forward + backward of one dense layer, CPU ms per call (single-threaded work is what scales). */
function layerCost(inputs: number, outputs: number, density: number, sparse: boolean): number {
  const x = tf.randomNormal([BATCH, inputs]);
  const [l] = makeLayersOf([[inputs, outputs]], density);
  const probe = tf.randomNormal([BATCH, outputs]);
  const f = () => tf.tidy(() => tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(denseLayer(xx, { ...l!, w: ww as tf.Variable }, true, sparse ? 'sparse' : 'dense'), probe)))([x, l!.w]));
  const reps = Math.max(5, Math.min(100, Math.round(3e7 / (BATCH * inputs * outputs * (sparse ? density : 1) + 3e5))));
  for (let i = 0; i < 3; i++) tf.dispose(f());
  const cpu = process.cpuUsage();
  for (let i = 0; i < reps; i++) tf.dispose(f());
  const used = process.cpuUsage(cpu);
  tf.dispose([x, probe, l!.w, l!.b, ...(l!.mask ? [l!.mask] : [])]);
  return (used.user + used.system) / 1000 / reps;
}

/** Forward + backward of one convolution (3x3 valid, ReLU), CPU ms per call. */
function convLayerCost(h: number, cin: number, cout: number, density: number, sparse: boolean): number {
  const x = tf.randomNormal([BATCH, h, h, cin]);
  const [l] = makeLayersOf([[3, 3, cin, cout]], density);
  const probe = tf.randomNormal([BATCH, h - 2, h - 2, cout]);
  const f = () => tf.tidy(() => tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(convLayer(xx as tf.Tensor4D, { ...l!, w: ww as tf.Variable }, sparse ? 'sparse' : 'dense'), probe)))([x, l!.w]));
  const macs = BATCH * (h - 2) * (h - 2) * 9 * cin * cout * (sparse ? density : 1);
  const reps = Math.max(3, Math.min(50, Math.round(3e8 / (macs + 3e6))));
  for (let i = 0; i < 2; i++) tf.dispose(f());
  const cpu = process.cpuUsage();
  for (let i = 0; i < reps; i++) tf.dispose(f());
  const used = process.cpuUsage(cpu);
  tf.dispose([x, probe, l!.w, l!.b, ...(l!.mask ? [l!.mask] : [])]);
  return (used.user + used.system) / 1000 / reps;
}

function sgemmPeak(): number {
  const n = 768;
  const a = tf.randomNormal([n, n]), b = tf.randomNormal([n, n]);
  tf.dispose(tf.matMul(a, b));
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    tf.dispose(tf.matMul(a, b));
    best = Math.min(best, performance.now() - t0);
  }
  tf.dispose([a, b]);
  return (2 * n ** 3) / (best / 1000) / 1e9;
}

const median = (xs: number[]): number => {
  const s = xs.filter(Number.isFinite).sort((p, q) => p - q);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');
const load = (): string => loadavg().map((v) => v.toFixed(1)).join(' ');
/** (max − min) / median of the repeats, in percent: how far one round can be off the median. */
const spread = (xs: number[]): string => (xs.length > 1 ? `${fmt((100 * (Math.max(...xs) - Math.min(...xs))) / median(xs))}%` : '-');
const TORCH_WARMUP = 10;
/** Interleaved dense/N:M measurements per per-layer N:M row. */
const NM_LAYER_PAIRS = 5;
/** Median of a[i] / b[i] (each pair measured back to back) and their range. */
const pairedRatio = (a: number[], b: number[]): string => {
  const r = a.map((x, i) => x / b[i]!);
  return `${fmt(median(r), 2)} ${fmt(Math.min(...r), 2)}-${fmt(Math.max(...r), 2)}`;
};

/** Forward multiply-adds × 2 per sample of the weighted layers at a density (conv taps scale too). */
function forwardFlops(model: Model, density: number): number {
  if (model === 'mlp') return 2 * density * (784 * 300 + 300 * 100 + 100 * 10);
  return 2 * density * (26 * 26 * 32 * 9 + 11 * 11 * 64 * 9 * 32 + 1600 * 10);
}

export async function runSparseBenchmark(args: string[] = []): Promise<void> {
  const { values } = parseArgs({
    args, allowPositionals: true,
    options: {
      repeats: { type: 'string', default: '3' },
      models: { type: 'string', default: 'mlp,cnn' },
      densities: { type: 'string', default: '1,0.5,0.2,0.1,0.05,0.02' },
      'no-layers': { type: 'boolean', default: false },
      'layer-densities': { type: 'string', default: '1,0.5,0.4,0.3,0.2,0.1,0.05' },
      'no-optimiser': { type: 'boolean', default: false },
      'no-conv-layers': { type: 'boolean', default: false },
      nm: { type: 'string', default: '2:4,1:4,2:8' },
      'no-nm-layers': { type: 'boolean', default: false },
    },
  });
  const { addon, reason } = loadNativeAddon();
  if (addon === null || typeof addon.sparseDense !== 'function') {
    console.log(`sparse kernels unavailable: ${addon === null ? reason : 'the addon predates them'}; build them with node scripts/build-native.mjs`);
    return;
  }
  await tf.setBackend('wasm');
  installKernels('wasm');
  installNativeKernels();
  const repeats = Number(values.repeats);
  const models = values.models.split(',').filter((m): m is Model => m === 'mlp' || m === 'cnn');
  const densities = values.densities.split(',').map(Number);
  const layerDensities = values['layer-densities'].split(',').map(Number);
  for (const d of [...densities, ...layerDensities]) if (!(d > 0 && d <= 1)) throw new Error(`bench sparse: densities must be in (0, 1], got ${d}`);
  const nmPatterns = values.nm === 'none' ? [] : values.nm.split(',').map((t) => t.split(':').map(Number) as [number, number]);
  const { isa, threads } = addon.info();
  const torch = await TorchReference.start(threads);
  console.log(`batch ${BATCH}, fp32, Adam; dense route: the evaluator's Adam (fused per variable) + W re-masked every step, sparse/auto: the sparse Adam (${DEFAULT_LAYOUT} moments) on routed weights, the evaluator's Adam on the rest; native ${isa} dense / ${addon.sparseInfo!().isa} sparse dense-layer / ${addon.sparseConvInfo?.().isa ?? 'no'} sparse conv kernels, ${threads} threads; ${repeats} repeats, medians`);
  console.log(`reference: ${typeof torch === 'string' ? `none (${torch})` : torch.description}`);
  console.log(`load average at start: ${load()}`);
  console.log(`dense sgemm peak (native, 768³, best of 5): ${fmt(sgemmPeak(), 1)} GFLOP/s`);

  if (!values['no-layers']) {
    console.log(`\nper-layer crossover: forward + backward of one layer (batch ${BATCH}, ReLU), CPU ms per call; crossover rule: sparse when density <= ${SPARSE_DENSITY_CROSSOVER}`);
    console.log(`  ${'layer'.padEnd(9)} ${'density'.padStart(7)} ${'dense'.padStart(8)} ${'sparse'.padStart(8)} ${'dense÷sparse'.padStart(13)}`);
    for (const [i, o] of [[784, 300], [300, 100], [100, 10], [1600, 10]] as const) {
      for (const d of layerDensities) {
        const dense = median([0, 1, 2].map(() => layerCost(i, o, d, false)));
        const sparse = median([0, 1, 2].map(() => layerCost(i, o, d, true)));
        console.log(`  ${`${i}x${o}`.padEnd(9)} ${fmt(d, 2).padStart(7)} ${fmt(dense, 3).padStart(8)} ${fmt(sparse, 3).padStart(8)} ${fmt(dense / sparse, 2).padStart(13)}`);
      }
    }
  }
  if (!values['no-conv-layers']) {
    console.log(`\nper-layer crossover, convolutions: forward + backward of one 3x3 valid convolution (batch ${BATCH}, ReLU), CPU ms per call; rule: sparse when fh·fw·cin >= ${SPARSE_CONV_MIN_PATCH} and density / grid share <= ${SPARSE_CONV_DENSITY_CROSSOVER} (prefersSparseConv)`);
    console.log(`  ${'layer'.padEnd(16)} ${'density'.padStart(7)} ${'dense'.padStart(8)} ${'sparse'.padStart(8)} ${'dense÷sparse'.padStart(13)} ${'sparse GFLOP/s'.padStart(15)}`);
    for (const [h, ci, co] of [[28, 1, 32], [13, 32, 64], [16, 64, 64]] as const) {
      for (const d of [1, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.02]) {
        const dense = median([0, 1, 2].map(() => convLayerCost(h, ci, co, d, false)));
        const sparse = median([0, 1, 2].map(() => convLayerCost(h, ci, co, d, true)));
        // useful work: 3 products (forward, input and filter gradient) of 2 flops per kept multiply-add
        const flops = 3 * 2 * BATCH * (h - 2) ** 2 * 9 * ci * co * d;
        console.log(`  ${`${h}x${h}x${ci}->${co}`.padEnd(16)} ${fmt(d, 2).padStart(7)} ${fmt(dense, 3).padStart(8)} ${fmt(sparse, 3).padStart(8)} ${fmt(dense / sparse, 2).padStart(13)} ${fmt(flops / (sparse / 1000) / 1e9, 1).padStart(15)}`);
      }
    }
  }

  if (!values['no-optimiser']) {
    console.log(`\noptimiser step alone (784x300 weight + bias, Adam), CPU ms per step: tfjs Adam + W ⊙ M re-mask vs the sparse Adam with dense or compact moments (default ${DEFAULT_LAYOUT}; routed at density < ${SPARSE_ADAM_MAX_DENSITY}); load ${load()}`);
    console.log(`  ${'density'.padStart(7)} ${'tfjs+remask'.padStart(12)} ${'sparse/dense'.padStart(13)} ${'sparse/compact'.padStart(15)} ${'tfjs÷compact'.padStart(13)}`);
    for (const d of [1, 0.9, 0.5, 0.2, 0.1, 0.05, 0.02]) {
      const c = (layout: MomentLayout | 'tfjs') => median([0, 1, 2].map(() => optimiserCost(784, 300, d, layout)));
      const [t, dm, cm] = [c('tfjs'), c('dense'), c('compact')];
      console.log(`  ${fmt(d, 2).padStart(7)} ${fmt(t, 3).padStart(12)} ${fmt(dm, 3).padStart(13)} ${fmt(cm, 3).padStart(15)} ${fmt(t / cm, 2).padStart(13)}`);
    }
  }

  for (const model of models) {
    // Long enough that each measurement spans about a second at the fastest density (an MLP
    // step is ~0.5-1.5 ms now): 30 steps (30 ms) left it to JIT, GC and clock-speed luck.
    const steps = model === 'mlp' ? 600 : 24;
    const rows: string[] = [];
    console.log(`\n${model.toUpperCase()} training step, samples/s (per CPU-second in brackets); load ${load()}`);
    console.log(`  ${'density'.padStart(7)} ${'dense'.padStart(15)} ${'sparse'.padStart(15)} ${'auto'.padStart(15)} ${'auto÷auto(1)'.padStart(13)} ${'auto÷dense(d)'.padStart(13)} ${'PyTorch'.padStart(15)} ${'torch.sparse'.padStart(15)} ${'auto÷PyTorch'.padStart(12)} ${'GFLOP/s'.padStart(8)}  spread of the rounds: dense auto PyTorch torch.sparse`);
    console.log(`  (auto÷auto(1): against the same network dense in sparsenas (what the evaluator runs for it: the fused dense layer, loss and Adam, no mask), measured in each round just before auto; auto÷auto(1), auto÷dense(d) and auto÷PyTorch: medians of the per-round ratios; spread = (max − min) / median)`);
    for (const d of densities) {
      const runs: Record<string, TorchRun[]> = { dense: [], sparse: [], self: [], auto: [], torch: [], torchSparse: [] };
      for (let r = 0; r < repeats; r++) {
        for (const route of ['dense', 'sparse'] as const) runs[route]!.push(trainRate(model, d, route, steps));
        // Its dense self (the same network dense, as the evaluator runs it) measured in the same
        // round, just before auto: the machine's speed moves between rounds (VM neighbours, clock),
        // so the headline ratio is paired per round rather than against the d = 1 row.
        if (d !== 1) runs.self!.push(trainRate(model, 1, 'auto', steps));
        runs.auto!.push(trainRate(model, d, 'auto', steps));
        if (d === 1) runs.self!.push(runs.auto![r]!);
        if (typeof torch !== 'string') {
          runs.torch!.push(await torch.measure(model, 1 - d, steps, TORCH_WARMUP, BATCH));
          if (model === 'mlp') runs.torchSparse!.push(await torch.measure(model, 1 - d, steps, TORCH_WARMUP, BATCH, 'sparse'));
        }
      }
      const m = (k: string, key: keyof TorchRun = 'samplesPerSec') => median(runs[k]!.map((x) => x[key]));
      const cell = (k: string) => (runs[k]!.length ? `${fmt(m(k))} (${fmt(m(k, 'samplesPerCpuSec'))})` : '-');
      // A ratio within each round (the two measured seconds apart), then the median over rounds.
      const perRound = (a: string, b: string) => (runs[b]!.length ? fmt(median(runs[a]!.map((x, i) => x.samplesPerSec / runs[b]![i]!.samplesPerSec)), 2) : '-');
      rows.push(`  ${fmt(d, 2).padStart(7)} ${cell('dense').padStart(15)} ${cell('sparse').padStart(15)} ${cell('auto').padStart(15)} ${perRound('auto', 'self').padStart(13)} ${perRound('auto', 'dense').padStart(13)} ${cell('torch').padStart(15)} ${cell('torchSparse').padStart(15)} ${perRound('auto', 'torch').padStart(12)} ${fmt((m('auto') * 3 * forwardFlops(model, d)) / 1e9, 1).padStart(8)}  ${['dense', 'auto', 'torch', 'torchSparse'].map((k) => spread(runs[k]!.map((x) => x.samplesPerSec))).join(' ')}`);
      console.log(rows[rows.length - 1]);
    }
  }
  if (!values['no-nm-layers'] && nmPatterns.length > 0) {
    console.log(`\nper-layer N:M (SR-STE): forward + backward of one dense layer (batch ${BATCH}, ReLU, λ 2e-4), CPU ms per call: dense route (W ⊙ M(W), mask by tf ops, dense GEMM) vs the N:M kernels (pack every call); load ${load()}`);
    console.log(`  ${'layer'.padEnd(9)} ${'N:M'.padStart(5)} ${'dense'.padStart(8)} ${'N:M'.padStart(8)} ${'dense÷N:M'.padStart(10)}  (median of ${NM_LAYER_PAIRS} paired ratios, range)`);
    for (const [i, o] of NM_LAYER_SHAPES) {
      for (const [n, m] of nmPatterns) {
        const dense: number[] = [], nm: number[] = [];
        for (let r = 0; r < NM_LAYER_PAIRS; r++) { dense.push(nmLayerCost(i, o, n, m, false)); nm.push(nmLayerCost(i, o, n, m, true)); }
        console.log(`  ${`${i}x${o}`.padEnd(9)} ${`${n}:${m}`.padStart(5)} ${fmt(median(dense), 3).padStart(8)} ${fmt(median(nm), 3).padStart(8)} ${pairedRatio(dense, nm).padStart(10)}`);
      }
    }
    console.log(`\nper-layer static N:M (fixed mask, W re-masked): forward + backward of one dense layer, CPU ms per call: dense (W ⊙ M, dense GEMM: today's route, N/M being above the CSR crossover ${SPARSE_DENSITY_CROSSOVER}), the general CSR kernels, the N:M kernels on W ⊙ M (packing every call); load ${load()}`);
    console.log(`  ${'layer'.padEnd(9)} ${'N:M'.padStart(5)} ${'dense'.padStart(8)} ${'CSR'.padStart(8)} ${'N:M'.padStart(8)} ${'dense÷CSR'.padStart(16)} ${'dense÷N:M'.padStart(16)}  (median of ${NM_LAYER_PAIRS} paired ratios, range)`);
    for (const [i, o] of NM_LAYER_SHAPES) {
      for (const [n, m] of nmPatterns) {
        const t: Record<'dense' | 'csr' | 'nm', number[]> = { dense: [], csr: [], nm: [] };
        for (let r = 0; r < NM_LAYER_PAIRS; r++) for (const route of ['dense', 'csr', 'nm'] as const) t[route].push(staticNmLayerCost(i, o, n, m, route));
        const [d, c, k] = [median(t.dense), median(t.csr), median(t.nm)];
        console.log(`  ${`${i}x${o}`.padEnd(9)} ${`${n}:${m}`.padStart(5)} ${fmt(d, 3).padStart(8)} ${fmt(c, 3).padStart(8)} ${fmt(k, 3).padStart(8)} ${pairedRatio(t.dense, t.csr).padStart(16)} ${pairedRatio(t.dense, t.nm).padStart(16)}`);
      }
    }
  }

  if (nmPatterns.length > 0) {
    const nmSteps = 40;
    console.log(`\nSR-STE N:M MLP 784-300-100-10, the whole training step (trainNetwork, ${nmSteps} steps, batch ${BATCH}, Adam), samples/s (per CPU-second in brackets): N:M kernels vs SPARSENAS_SPARSE_KERNELS=0 (dense route), the same network dense, PyTorch dense; ${repeats} interleaved rounds, medians; load ${load()}`);
    const runs = new Map<string, NmRun[]>();
    const torchRuns: TorchRun[] = [];
    const push = (k: string, r: NmRun) => runs.set(k, [...(runs.get(k) ?? []), r]);
    for (let r = 0; r < repeats; r++) {
      push('dense', await nmTrainRate(null, true, nmSteps));
      for (const p of nmPatterns) {
        push(`${p[0]}:${p[1]} nm`, await nmTrainRate(p, true, nmSteps));
        push(`${p[0]}:${p[1]} route`, await nmTrainRate(p, false, nmSteps));
      }
      if (typeof torch !== 'string') torchRuns.push(await torch.measure('mlp', 0, nmSteps, TORCH_WARMUP, BATCH));
    }
    // Ratios taken within each round, then their median: the machine's speed moves between
    // rounds (other processes on the sibling core halve per-CPU-second rates on both sides
    // alike), so a ratio of medians taken rounds apart is noisier than the median of ratios.
    const rate = (k: string, key: keyof NmRun = 'samplesPerSec') => runs.get(k)!.map((x) => x[key]);
    const cell = (k: string) => `${fmt(median(rate(k)))} (${fmt(median(rate(k, 'samplesPerCpuSec')))})`;
    const ratio = (a: number[], b: number[]) => a.map((x, i) => x / b[i]!);
    const r = (xs: number[]) => `${fmt(median(xs), 2)} ${spread(xs)}`;
    const torchRate = torchRuns.map((x) => x.samplesPerSec);
    console.log(`  network dense ${cell('dense')}, spread ${spread(rate('dense'))}; PyTorch dense ${torchRuns.length ? `${fmt(median(torchRate))} (${fmt(median(torchRuns.map((x) => x.samplesPerCpuSec)))}), spread ${spread(torchRate)}; dense÷PyTorch per round ${r(ratio(rate('dense'), torchRate))}` : '-'}`);
    console.log(`  ratios: median of the per-round ratios, then their spread`);
    console.log(`  ${'N:M'.padStart(5)} ${'N:M kernels'.padStart(17)} ${'dense route'.padStart(17)} ${'kernels÷route'.padStart(14)} ${'per CPU-s'.padStart(10)} ${'kernels÷dense'.padStart(14)} ${'route÷dense'.padStart(12)}  layers on N:M`);
    for (const [n, mm] of nmPatterns) {
      const k = `${n}:${mm}`;
      const [nm, route] = [`${k} nm`, `${k} route`];
      console.log(`  ${k.padStart(5)} ${cell(nm).padStart(17)} ${cell(route).padStart(17)} ${r(ratio(rate(nm), rate(route))).padStart(14)} ${r(ratio(rate(nm, 'samplesPerCpuSec'), rate(route, 'samplesPerCpuSec'))).padStart(10)} ${r(ratio(rate(nm), rate('dense'))).padStart(14)} ${r(ratio(rate(route), rate('dense'))).padStart(12)}  ${String(median(rate(nm, 'sparseLayers'))).padStart(13)}`);
    }
  }
  console.log(`\nload average at end: ${load()}`);
  if (typeof torch !== 'string') torch.close();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runSparseBenchmark(process.argv.slice(2));
}
