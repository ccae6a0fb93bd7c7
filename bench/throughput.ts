/**
 * Training throughput of the two reference models (issue 4): samples/s and achieved GFLOP/s
 * on every CPU backend that works here (cpu briefly, stock tfjs-wasm, tfjs-wasm with the
 * native kernels), dense and at 90% unstructured sparsity, against PyTorch on the same
 * machine. The machine is shared, so PyTorch and tfjs run alternately, several repeats, and
 * the table reports medians; the ratio is the median of the per-repeat paired ratios.
 *
 *   npx tsc -p . && node dist/bench/throughput.js [--repeats 5] [--models mlp,cnn] [--sparsities 0,0.9]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

import { installNativeKernels, loadNativeAddon, uninstallNativeKernels } from '../evaluators/kernels/native/index.js';
import { buildTrainStep, FORWARD_FLOPS, type ModelName } from './throughput-models.js';
import { TorchReference } from './torch-reference.js';

const BATCH = 128;

interface Variant {
  name: string;
  /** Prepares the backend; returns a reason when this variant cannot train `model`. */
  setup(model: ModelName): Promise<string | null>;
  steps: Record<ModelName, number>;
  /** Measured in the first repeat only (too slow to repeat). */
  once?: boolean;
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
    name: 'tfjs-wasm stock',
    steps: { mlp: 10, cnn: 2 },
    async setup(model) {
      uninstallNativeKernels();
      await tf.setBackend('wasm');
      return model === 'cnn' && !tf.getKernel('Conv2DBackpropFilter', 'wasm')
        ? 'tfjs-wasm has no Conv2DBackpropFilter kernel: the CNN cannot train'
        : null;
    },
  },
  {
    name: 'tfjs-wasm + native',
    steps: { mlp: 40, cnn: 8 },
    async setup() {
      const { addon, reason } = loadNativeAddon();
      if (addon === null) return reason;
      await tf.setBackend('wasm');
      installNativeKernels();
      return null;
    },
  },
];

function trainRate(model: ModelName, sparsity: number, steps: number): number {
  const warmup = Math.max(2, Math.ceil(steps / 10));
  const before = tf.memory().numTensors;
  const run = buildTrainStep(model, sparsity, BATCH);
  try {
    for (let i = 0; i < warmup; i++) run.step();
    const start = performance.now();
    for (let i = 0; i < steps; i++) run.step();
    return (steps * BATCH) / ((performance.now() - start) / 1000);
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      repeats: { type: 'string', default: '5' },
      models: { type: 'string', default: 'mlp,cnn' },
      sparsities: { type: 'string', default: '0,0.9' },
    },
  });
  const repeats = Number(values.repeats);
  const models = values.models.split(',') as ModelName[];
  const sparsities = values.sparsities.split(',').map(Number);
  const torch = await TorchReference.start();
  console.log(`batch ${BATCH}, fp32, Adam; ${repeats} repeats, medians; native: ${loadNativeAddon().reason}`);
  console.log(`reference: ${typeof torch === 'string' ? `none (${torch}); ratios skipped` : torch.description}`);

  for (const model of models) {
    for (const sparsity of sparsities) {
      const rates = new Map<string, number[]>();
      const skipped = new Map<string, string>();
      const torchRates: number[] = [];
      const paired: number[] = [];
      const torchSteps = variants[variants.length - 1].steps[model];
      for (let r = 0; r < repeats; r++) {
        for (const v of variants) {
          if ((v.once && r > 0) || skipped.has(v.name)) continue;
          const reason = await v.setup(model);
          if (reason !== null) {
            skipped.set(v.name, reason);
            continue;
          }
          try {
            const rate = trainRate(model, sparsity, v.steps[model]);
            rates.set(v.name, [...(rates.get(v.name) ?? []), rate]);
          } catch (err) {
            skipped.set(v.name, `cannot train: ${(err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 120)}`);
          }
        }
        if (typeof torch !== 'string') {
          const t = (await torch.measure(model, sparsity, torchSteps, Math.max(2, Math.ceil(torchSteps / 10)), BATCH)).samplesPerSec;
          torchRates.push(t);
          const ours = rates.get(variants[variants.length - 1].name)?.[r];
          if (ours !== undefined) paired.push(ours / t);
        }
      }
      const flops = 3 * FORWARD_FLOPS[model];
      console.log(`\n${model.toUpperCase()} ${sparsity > 0 ? `${sparsity * 100}% sparse (W ⊙ M)` : 'dense'} — ${fmt(flops / 1e6, 2)} MFLOP per training sample`);
      console.log(`  ${'backend'.padEnd(20)} ${'samples/s'.padStart(10)} ${'GFLOP/s'.padStart(8)}  runs`);
      const row = (name: string, xs: number[]) =>
        console.log(`  ${name.padEnd(20)} ${fmt(median(xs)).padStart(10)} ${fmt((median(xs) * flops) / 1e9, 1).padStart(8)}  ${xs.map((x) => fmt(x)).join(' ')}`);
      for (const v of variants) {
        if (rates.has(v.name)) row(v.name, rates.get(v.name)!);
        else console.log(`  ${v.name.padEnd(20)} skipped: ${skipped.get(v.name)}`);
      }
      if (torchRates.length > 0) {
        row('PyTorch', torchRates);
        console.log(`  ratio native ÷ PyTorch: ${paired.length ? fmt(median(paired), 2) : '-'} (median of paired runs ${paired.map((p) => fmt(p, 2)).join(' ')})`);
      }
    }
  }
  if (typeof torch !== 'string') torch.close();
}

await main();
