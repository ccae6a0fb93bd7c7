/**
 * Training throughput of the two reference models (issue 4): samples/s and achieved GFLOP/s
 * on every CPU backend that works here (cpu briefly, tfjs-node when it loads, stock
 * tfjs-wasm, tfjs-wasm with the composed kernels of evaluators/kernels, and with the native
 * kernels on top), dense and at 90% unstructured sparsity, against PyTorch on the same
 * machine. The machine is shared, so PyTorch and tfjs run alternately, several repeats, and
 * the table reports medians; each ratio is the median of the per-repeat paired ratios. Besides
 * samples/s: samples per CPU-second (all threads of each process; on a loaded machine, what
 * each side does with the cycles it gets; our idle pool threads spin a few hundred
 * microseconds between kernels, which counts against us) and the fastest single step
 * (what an uncontended machine approaches).
 *
 *   npx tsc -p . && node dist/bench/throughput.js [--repeats 5] [--models mlp,cnn] [--sparsities 0,0.9]
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installKernels, uninstallKernels } from '../evaluators/kernels/index.js';
import { disableNativeConv, disableNativeDense, disableSoftmaxXent, installNativeKernels, loadNativeAddon, uninstallNativeKernels } from '../evaluators/kernels/native/index.js';
import { buildTrainStep, FORWARD_FLOPS, type ModelName } from './throughput-models.js';
import { TorchReference, type TorchRun } from './torch-reference.js';

const BATCH = 128;

interface Variant {
  name: string;
  /** Prepares the backend; returns a reason when this variant cannot train `model`. */
  setup(model: ModelName): Promise<string | null>;
  steps: Record<ModelName, number>;
  /** Measured in the first repeat only (too slow to repeat). */
  once?: boolean;
}

/**
 * The addon's kernels over the composed ones; `fused` false: dense layers as matMul + add +
 * relu and the loss as tfjs' composition (the native backend before its fused dense layer and loss).
 */
async function nativeSetup(fused: boolean): Promise<string | null> {
  const { addon, reason } = loadNativeAddon();
  if (addon === null) return reason;
  await tf.setBackend('wasm');
  installKernels('wasm');
  installNativeKernels();
  if (!fused) {
    disableNativeDense();
    disableNativeConv();
    disableSoftmaxXent();
  }
  return null;
}

const variants: Variant[] = [
  {
    name: 'tfjs cpu',
    once: true,
    steps: { mlp: 3, cnn: 0 },
    async setup(model) {
      if (model === 'cnn') return 'the pure-JS cpu backend trains this CNN at ~1 sample/s';
      await tf.setBackend('cpu');
      return null;
    },
  },
  {
    name: 'tfjs-node',
    steps: { mlp: 40, cnn: 8 },
    async setup() {
      // Optional dependency: its install downloads libtensorflow, which fails offline.
      const pkg = '@tensorflow/tfjs-node';
      try {
        await import(pkg);
      } catch (err) {
        return `${pkg} unavailable (${(err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 100)})`;
      }
      return (await tf.setBackend('tensorflow')) ? null : 'the tensorflow backend failed to initialise';
    },
  },
  {
    name: 'tfjs-wasm stock',
    steps: { mlp: 10, cnn: 2 },
    async setup(model) {
      await tf.setBackend('wasm');
      uninstallNativeKernels();
      uninstallKernels('wasm');
      return model === 'cnn' && !tf.getKernel('Conv2DBackpropFilter', 'wasm')
        ? 'tfjs-wasm has no Conv2DBackpropFilter kernel: the CNN cannot train'
        : null;
    },
  },
  {
    // evaluators/kernels: stock wasm kernels recombined (transpose first, conv-as-conv gradients)
    name: 'tfjs-wasm + composed',
    steps: { mlp: 20, cnn: 2 },
    async setup() {
      await tf.setBackend('wasm');
      uninstallNativeKernels();
      installKernels('wasm');
      return null;
    },
  },
  {
    // The native backend with dense layers and loss as tfjs compositions (before their fused kernels).
    name: 'native, unfused',
    steps: { mlp: 40, cnn: 8 },
    setup: () => nativeSetup(false),
  },
  {
    // What evaluators/backend.ts activates for `native`: the addon's kernels over the composed ones.
    // Last: the PyTorch ratios pair with it.
    name: 'tfjs-wasm + native',
    steps: { mlp: 40, cnn: 8 },
    setup: () => nativeSetup(true),
  },
];

/** One timed run; PyTorch's runs (torch-reference.ts) have the same fields. */
type Rate = TorchRun;

function trainRate(model: ModelName, sparsity: number, steps: number): Rate {
  const warmup = Math.max(2, Math.ceil(steps / 10));
  const before = tf.memory().numTensors;
  const run = buildTrainStep(model, sparsity, BATCH);
  try {
    for (let i = 0; i < warmup; i++) run.step();
    let fastest = Infinity;
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      run.step(); // wasm and cpu kernels are synchronous: the step is done
      fastest = Math.min(fastest, performance.now() - t0);
    }
    const cpu = process.cpuUsage(cpuStart);
    const samples = steps * BATCH;
    return {
      samplesPerSec: samples / ((performance.now() - start) / 1000),
      samplesPerCpuSec: samples / ((cpu.user + cpu.system) / 1e6),
      fastestStepSamplesPerSec: BATCH / (fastest / 1000),
    };
  } finally {
    run.dispose();
    const leaked = tf.memory().numTensors - before;
    if (leaked !== 0) console.warn(`  warning: ${leaked} tensors leaked by ${model} on ${tf.getBackend()}`);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-');

const METRICS: Array<[keyof Rate, string]> = [
  ['samplesPerSec', 'samples/s'],
  ['samplesPerCpuSec', 'samples per CPU-second'],
  ['fastestStepSamplesPerSec', 'fastest step'],
];

function printTable(model: ModelName, sparsity: number, rows: Array<[string, Rate[] | string]>, paired: Rate[]): void {
  const flops = 3 * FORWARD_FLOPS[model];
  console.log(`\n${model.toUpperCase()} ${sparsity > 0 ? `${sparsity * 100}% sparse (W ⊙ M)` : 'dense'} — ${fmt(flops / 1e6, 2)} MFLOP per training sample; medians`);
  console.log(`  ${'backend'.padEnd(20)} ${'samples/s'.padStart(10)} ${'GFLOP/s'.padStart(8)} ${'per CPU-s'.padStart(10)} ${'fastest'.padStart(8)}  runs (samples/s)`);
  for (const [name, runs] of rows) {
    if (typeof runs === 'string') {
      console.log(`  ${name.padEnd(20)} skipped: ${runs}`);
      continue;
    }
    const m = (key: keyof Rate) => median(runs.map((r) => r[key]));
    console.log(
      `  ${name.padEnd(20)} ${fmt(m('samplesPerSec')).padStart(10)} ${fmt((m('samplesPerSec') * flops) / 1e9, 1).padStart(8)} ` +
        `${fmt(m('samplesPerCpuSec')).padStart(10)} ${fmt(m('fastestStepSamplesPerSec')).padStart(8)}  ${runs.map((r) => fmt(r.samplesPerSec)).join(' ')}`,
    );
  }
  // The fused dense layer and loss against the same backend without them, repeat by repeat.
  const fused = rows.find(([name]) => name === 'tfjs-wasm + native')?.[1];
  const unfused = rows.find(([name]) => name === 'native, unfused')?.[1];
  if (Array.isArray(fused) && Array.isArray(unfused) && fused.length === unfused.length && fused.length > 0) {
    for (const [key, label] of METRICS) {
      const ratios = fused.map((r, i) => r[key] / unfused[i]![key]);
      console.log(`  ratio native ÷ native unfused, ${label}: ${fmt(median(ratios), 2)} (paired runs ${ratios.map((x) => fmt(x, 2)).join(' ')})`);
    }
  }
  if (paired.length === 0) return;
  for (const [key, label] of METRICS) {
    const ratios = paired.map((r) => r[key]);
    console.log(`  ratio native ÷ PyTorch, ${label}: ${fmt(median(ratios), 2)} (paired runs ${ratios.map((x) => fmt(x, 2)).join(' ')})`);
  }
}

/** Runs the benchmark; `args` are the command-line options (see the header). */
export async function runThroughputBenchmark(args: string[] = []): Promise<void> {
  const { values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      repeats: { type: 'string', default: '5' },
      models: { type: 'string', default: 'mlp,cnn' },
      sparsities: { type: 'string', default: '0,0.9' },
    },
  });
  const repeats = Number(values.repeats);
  const models = values.models.split(',') as ModelName[];
  const sparsities = values.sparsities.split(',').map(Number);
  // PyTorch with our thread count, OpenBLAS single-threaded and OpenMP waiting passively: its
  // default pools made its figures swing 12k-86k samples/s here (TorchReference.start).
  const torch = await TorchReference.start(loadNativeAddon().addon?.info().threads ?? 1);
  console.log(`batch ${BATCH}, fp32, Adam; ${repeats} repeats; native: ${loadNativeAddon().reason}`);
  console.log(`reference: ${typeof torch === 'string' ? `none (${torch}); ratios skipped` : torch.description}`);
  const native = variants[variants.length - 1];

  for (const model of models) {
    for (const sparsity of sparsities) {
      const runs = new Map<string, Rate[] | string>(variants.map((v) => [v.name, []]));
      const torchRuns: Rate[] = [];
      const paired: Rate[] = [];
      for (let r = 0; r < repeats; r++) {
        for (const v of variants) {
          const done = runs.get(v.name)!;
          if ((v.once && r > 0) || typeof done === 'string') continue;
          const reason = await v.setup(model);
          try {
            runs.set(v.name, reason ?? [...done, trainRate(model, sparsity, v.steps[model])]);
          } catch (err) {
            runs.set(v.name, `cannot train: ${(err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 120)}`);
          }
        }
        if (typeof torch === 'string') continue;
        const steps = native.steps[model];
        const t = await torch.measure(model, sparsity, steps, Math.max(10, Math.ceil(steps / 10)), BATCH);
        torchRuns.push(t);
        const ours = runs.get(native.name);
        if (typeof ours !== 'string' && ours![r] !== undefined) {
          const o = ours![r];
          paired.push({
            samplesPerSec: o.samplesPerSec / t.samplesPerSec,
            samplesPerCpuSec: o.samplesPerCpuSec / t.samplesPerCpuSec,
            fastestStepSamplesPerSec: o.fastestStepSamplesPerSec / t.fastestStepSamplesPerSec,
          });
        }
      }
      printTable(model, sparsity, [...runs.entries(), ...(torchRuns.length ? [['PyTorch', torchRuns] as [string, Rate[]]] : [])], paired);
    }
  }
  if (typeof torch !== 'string') torch.close();
}

// Run when executed directly (node dist/bench/throughput.js); a bench/index.ts dispatcher imports it instead.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runThroughputBenchmark(process.argv.slice(2));
}
