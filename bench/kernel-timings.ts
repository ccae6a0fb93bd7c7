/**
 * Per-kernel CPU time on wasm, stock tfjs vs evaluators/kernels, at the shapes of the CNN in
 * cnn-throughput.ts (batch 128). Not a test. CPU time (process.cpuUsage) rather than wall
 * time, because the machines this runs on are shared; best of `--repeats` fresh-input calls.
 *
 * Then a profile of one training step of a throughput model (bench/throughput-models.ts,
 * batch 128, native backend): wall milliseconds per step in every tfjs kernel (outermost
 * calls; a kernel's fallback to another counts in the caller), in every native addon call
 * (SPARSENAS_NATIVE_PROFILE=1 times them), in kernel bodies outside native calls, and outside
 * kernels altogether (tfjs dispatch: tape, tidy, scalar uploads, assign; our JS). Medians
 * over `--steps` steps, so a step preempted on a shared machine does not skew them.
 *
 *   npx tsc -p . && node dist/bench/kernel-timings.js [--repeats 5] [--steps 40] [--model mlp|cnn] [--density D] [--profile-only]
 *
 * `--density D` profiles the step the evaluator runs for masks of that density (the auto route of
 * bench/sparse-route.ts: the sparse kernels where the crossover rules pick them, the sparse Adam).
 */
process.env.SPARSENAS_NATIVE_PROFILE = '1'; // before the addon loads: its calls are timed

import { loadavg } from 'node:os';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installKernels, uninstallKernels } from '../evaluators/kernels/index.js';
import { installNativeKernels, loadNativeAddon } from '../evaluators/kernels/native/index.js';
import { nativeCallTimes } from '../evaluators/kernels/native/native-addon.js';
import { buildRouteStep } from './sparse-route.js';
import { buildTrainStep, type ModelName } from './throughput-models.js';

interface Case {
  readonly label: string;
  readonly kernel: string;
  readonly inputs: () => tf.NamedTensorMap;
  readonly attrs: object;
}

const normal = (shape: number[]): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', 11);

const cases: Case[] = [
  { label: 'Conv2DBackpropFilter x[128,14,14,32] dy[128,14,14,64] 3×3', kernel: 'Conv2DBackpropFilter',
    inputs: () => ({ x: normal([128, 14, 14, 32]), dy: normal([128, 14, 14, 64]) }),
    attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 32, 64] } },
  { label: 'Conv2DBackpropInput dy[128,14,14,64] 3×3 → [128,14,14,32]', kernel: 'Conv2DBackpropInput',
    inputs: () => ({ dy: normal([128, 14, 14, 64]), filter: normal([3, 3, 32, 64]) }),
    attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [128, 14, 14, 32] } },
  { label: 'DepthwiseConv2dNativeBackpropFilter x[64,32,32,16] 3×3', kernel: 'DepthwiseConv2dNativeBackpropFilter',
    inputs: () => ({ x: normal([64, 32, 32, 16]), dy: normal([64, 32, 32, 16]) }),
    attrs: { strides: 1, pad: 'same', dilations: 1, filterShape: [3, 3, 16, 1] } },
  { label: 'DepthwiseConv2dNativeBackpropInput dy[64,32,32,16] 3×3', kernel: 'DepthwiseConv2dNativeBackpropInput',
    inputs: () => ({ dy: normal([64, 32, 32, 16]), filter: normal([3, 3, 16, 1]) }),
    attrs: { strides: 1, pad: 'same', dilations: 1, inputShape: [64, 32, 32, 16] } },
  { label: 'BatchMatMul [128,784]ᵀ·[128,300]', kernel: 'BatchMatMul',
    inputs: () => ({ a: normal([128, 784]), b: normal([128, 300]) }), attrs: { transposeA: true, transposeB: false } },
  { label: 'BatchMatMul [128,300]·[784,300]ᵀ', kernel: 'BatchMatMul',
    inputs: () => ({ a: normal([128, 300]), b: normal([784, 300]) }), attrs: { transposeA: false, transposeB: true } },
  { label: 'MaxPoolGrad [128,28,28,32] 2×2/2', kernel: 'MaxPoolGrad',
    inputs: () => ({ input: normal([128, 28, 28, 32]), dy: normal([128, 14, 14, 32]), output: normal([128, 14, 14, 32]) }),
    attrs: { filterSize: 2, strides: 2, pad: 'valid' } },
  { label: 'AvgPoolGrad [128,28,28,32] 2×2/2', kernel: 'AvgPoolGrad',
    inputs: () => ({ input: normal([128, 28, 28, 32]), dy: normal([128, 14, 14, 32]) }),
    attrs: { filterSize: 2, strides: 2, pad: 'valid' } },
  { label: 'Sum [128,28,28,32] over axes 0,1,2', kernel: 'Sum',
    inputs: () => ({ x: normal([128, 28, 28, 32]) }), attrs: { axis: [0, 1, 2], keepDims: false } },
];

/** Best CPU milliseconds of `repeats` calls, each on freshly made inputs; null if it throws. */
function cpuMillis(c: Case, repeats: number): number | null {
  let best = Infinity;
  for (let i = 0; i <= repeats; i++) {
    const inputs = c.inputs();
    try {
      const start = process.cpuUsage();
      const out = tf.engine().runKernel(c.kernel, inputs, c.attrs as tf.NamedAttrMap) as tf.Tensor;
      out.dataSync();
      const used = process.cpuUsage(start);
      out.dispose();
      if (i > 0) best = Math.min(best, (used.user + used.system) / 1000);
    } catch {
      return null;
    } finally {
      tf.dispose(Object.values(inputs));
    }
  }
  return best;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Wraps every registered wasm kernel with a timer (outermost calls only); returns the per-name totals. */
function timeKernels(): Map<string, { calls: number; ms: number }> {
  const times = new Map<string, { calls: number; ms: number }>();
  let depth = 0;
  for (const config of tf.getKernelsForBackend('wasm')) {
    const inner = config.kernelFunc;
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        depth++;
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          depth--;
          if (depth === 0) {
            const e = times.get(config.kernelName) ?? { calls: 0, ms: 0 };
            e.calls++;
            e.ms += performance.now() - t0;
            times.set(config.kernelName, e);
          }
        }
      },
    });
  }
  return times;
}

async function profileStep(model: ModelName, steps: number, density: number | null): Promise<void> {
  const { addon, reason } = loadNativeAddon();
  if (addon === null) {
    console.log(`\nstep profile skipped: ${reason}`);
    return;
  }
  installKernels('wasm');
  installNativeKernels();
  const kernelTimes = timeKernels();
  // --density: the step the evaluator runs for that mask density (bench/sparse-route.ts, auto:
  // sparse kernels where the crossover rules say so, the sparse Adam); else the dense network.
  const run = density === null ? buildTrainStep(model, 0, 128) : buildRouteStep(model, density, 'auto');
  for (let i = 0; i < 5; i++) run.step();
  const perStep = { step: [] as number[], kernels: new Map<string, number[]>(), native: new Map<string, number[]>() };
  const calls = { kernels: new Map<string, number>(), native: new Map<string, number>() };
  const snapshot = (m: Map<string, { calls: number; ms: number }>) => new Map([...m].map(([k, v]) => [k, { ...v }]));
  for (let s = 0; s < steps; s++) {
    const k0 = snapshot(kernelTimes);
    const n0 = snapshot(nativeCallTimes);
    const t0 = performance.now();
    run.step();
    perStep.step.push(performance.now() - t0);
    for (const [src, before, dst, count] of [[kernelTimes, k0, perStep.kernels, calls.kernels], [nativeCallTimes, n0, perStep.native, calls.native]] as const) {
      for (const [name, e] of src) {
        const b = before.get(name) ?? { calls: 0, ms: 0 };
        const list = dst.get(name) ?? Array(s).fill(0);
        list.push(e.ms - b.ms);
        dst.set(name, list);
        count.set(name, e.calls - b.calls);
      }
      for (const list of dst.values()) if (list.length < s + 1) list.push(0);
    }
  }
  run.dispose();
  const sumAt = (m: Map<string, number[]>, s: number) => [...m.values()].reduce((t, l) => t + l[s], 0);
  const stepMs = median(perStep.step);
  const outside = median(perStep.step.map((t, s) => t - sumAt(perStep.kernels, s)));
  const inBodies = median(perStep.step.map((_, s) => sumAt(perStep.kernels, s) - sumAt(perStep.native, s)));
  const share = (ms: number) => `${((100 * ms) / stepMs).toFixed(1).padStart(5)}%`;
  const row = (name: string, n: number | string, ms: number) => console.log(`  ${name.padEnd(40)} ${String(n).padStart(6)} ${ms.toFixed(3).padStart(9)} ${share(ms)}`);
  const { isa, threads } = addon.info();
  console.log(`\n${model.toUpperCase()} training step${density === null ? '' : ` at density ${density} (auto route)`}, batch 128, Adam, native (${isa}, ${threads} threads): median ${stepMs.toFixed(3)} ms over ${steps} steps`);
  console.log(`  ${'tfjs kernel'.padEnd(40)} ${'calls'.padStart(6)} ${'ms/step'.padStart(9)}  share`);
  const sorted = (m: Map<string, number[]>) => [...m].map(([k, l]) => [k, median(l)] as const).sort((a, b) => b[1] - a[1]);
  for (const [name, ms] of sorted(perStep.kernels)) if (calls.kernels.get(name)) row(name, calls.kernels.get(name) ?? 0, ms);
  row('outside kernels (tfjs dispatch, tape, JS)', '', outside);
  console.log(`  ${'native call'.padEnd(40)} ${'calls'.padStart(6)} ${'ms/step'.padStart(9)}  share`);
  for (const [name, ms] of sorted(perStep.native)) if (calls.native.get(name)) row(name, calls.native.get(name) ?? 0, ms);
  row('kernel bodies outside native calls', '', inBodies);
  console.log(`  (medians per row; rows need not add up to the median step. load average ${loadavg().map((x) => x.toFixed(1)).join(' ')})`);
}

async function main(): Promise<void> {
  const arg = (name: string, fallback: string) => {
    const i = process.argv.indexOf(name);
    return i === -1 ? fallback : process.argv[i + 1];
  };
  const repeats = Number(arg('--repeats', '5'));
  const density = process.argv.includes('--density') ? Number(arg('--density', '')) : null;
  if (density !== null && !(density > 0 && density <= 1)) throw new Error(`--density must be in (0, 1], got ${arg('--density', '')}`);
  await tf.setBackend('wasm');
  await tf.ready();
  if (process.argv.includes('--profile-only')) {
    await profileStep(arg('--model', 'mlp') as ModelName, Number(arg('--steps', '40')), density);
    return;
  }
  for (const c of cases) {
    uninstallKernels('wasm');
    const stock = cpuMillis(c, repeats);
    installKernels('wasm');
    const ours = cpuMillis(c, repeats);
    const fmt = (ms: number | null): string => (ms === null ? 'missing' : `${ms.toFixed(1)} ms`).padStart(9);
    const ratio = stock !== null && ours !== null ? `  ×${(stock / ours).toFixed(1)}` : '';
    console.log(`${c.label.padEnd(62)} stock ${fmt(stock)}   kernels ${fmt(ours)}${ratio}`);
  }
  await profileStep(arg('--model', 'mlp') as ModelName, Number(arg('--steps', '40')), density);
}

await main();
