/**
 * GPU check: which adapter webgpu gets, whether training on it equals the cpu backend, and the
 * samples/s of a training step of the reference models at several batch sizes, on webgpu and
 * on the best CPU backend in the same run. Writes everything to a JSON file.
 *
 *   npm run bench -- gpu [--out FILE] [--allow-software-gpu] [--steps 20] [--max-batch 4096]
 *
 * A maintainer with a GPU and no internet runs the bundle instead (`node bench/gpu/bundle.mjs`
 * here, copy `gpu-check/`, then `./gpu-check/run.sh` there): same script, same output.
 */
import { writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_DEFINITION, DENSE_SPARSITY, type Architecture, type TrainingConfig } from '../../search/index.js';
import { chooseBackend, probeBackends, syntheticDataset, TfjsEvaluator, type BackendChoice, type Dataset } from '../../evaluators/index.js';
import { GPU_CHECK_MODELS } from './models.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' }, 'allow-software-gpu': { type: 'boolean' }, steps: { type: 'string', default: '20' },
    'max-batch': { type: 'string', default: '4096' }, 'cpu-backend': { type: 'string', default: 'auto-cpu' },
  },
});
const allowSoftwareGpu = values['allow-software-gpu'] === true;
const steps = Number(values.steps);
const maxBatch = Number(values['max-batch']);
const out = values.out ?? `gpu-check-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.json`;

/**
 * Literal specifiers, so a bundler includes the tfjs backends and keeps `webgpu` (a native
 * addon) as the one package next to the bundle; `as string` keeps tsc from requiring their types.
 */
const importer = (pkg: string): Promise<unknown> => {
  switch (pkg) {
    case 'webgpu': return import('webgpu' as string);
    case '@tensorflow/tfjs-backend-webgpu': return import('@tensorflow/tfjs-backend-webgpu' as string);
    case '@tensorflow/tfjs-backend-wasm': return import('@tensorflow/tfjs-backend-wasm');
    default: return import(pkg);
  }
};

const definition = { ...DEFAULT_DEFINITION, dataset: { name: 'synthetic', validationFraction: 0.1 } };

async function trial(backend: BackendChoice, data: Dataset, architecture: Architecture, training: TrainingConfig) {
  const ev = new TfjsEvaluator({ loader: async () => data, backend, allowSoftwareGpu, importer });
  const info = await ev.prepare(definition);
  const losses: number[] = [];
  try {
    const m = await ev.evaluate({ studyName: 'gpu-check', trialNumber: 0, seed: 1, architecture, dataset: definition.dataset, training },
      { epochEnded: (e) => { losses.push(e.trainLoss); } }, new AbortController().signal);
    return { info, m, losses };
  } finally {
    await ev.dispose();
  }
}

const gpuProbe = (await probeBackends({ allowSoftwareGpu, importer })).find((p) => p.backend === 'webgpu')!;
console.log(`webgpu: ${gpuProbe.available ? gpuProbe.detail : `not available: ${gpuProbe.detail}; ${gpuProbe.fix}`}`);
// The CPU reference: the first CPU backend of the chain that works (native here).
const cpuRef = values['cpu-backend'] === 'auto-cpu'
  ? (await probeBackends({ importer })).find((p) => p.available && !['tensorflow-gpu', 'webgpu'].includes(p.backend))!.backend
  : values['cpu-backend'] as BackendChoice;
await chooseBackend('cpu');

const report: Record<string, unknown> = {
  when: new Date().toISOString(), host: hostname(), cpu: cpus()[0]?.model, cores: cpus().length, node: process.version,
  loadavgBefore: loadavg(), webgpu: gpuProbe, cpuReference: cpuRef, correctness: [] as unknown[], timings: [] as unknown[],
};

// Correctness: the same seeded trial on cpu and webgpu, losses of every epoch and the validation loss.
// Small: the cpu backend is pure JavaScript (~1 sample/s on the CNN on a 2-core machine).
const small = (shape: number[]) => syntheticDataset({ shape, classes: 10, train: 64, validation: 32, test: 0 }, 1);
for (const model of GPU_CHECK_MODELS) {
  if (!gpuProbe.available) break;
  const data = small(model.shape);
  const training: TrainingConfig = { epochs: 2, batchSize: 16, optimizer: 'adam', learningRate: 1e-3, steps: 6 };
  const arch = { ...model.architecture, sparsity: { ...DENSE_SPARSITY, level: 0.5 } };
  const [cpu, gpu] = [await trial('cpu', data, arch, training), await trial('webgpu', data, arch, training)];
  const delta = Math.max(Math.abs(cpu.m.valLoss - gpu.m.valLoss), ...cpu.losses.map((l, i) => Math.abs(l - gpu.losses[i]!)));
  (report['correctness'] as unknown[]).push({ model: model.name, sparsity: 0.5, maxAbsDeltaLoss: delta, ranOn: gpu.m.backend, ...(gpu.m.backendReason ? { fallback: gpu.m.backendReason } : {}) });
  save();
  console.log(`correctness ${model.name.padEnd(36)} max |Δloss| cpu vs webgpu ${delta.toExponential(2)}${gpu.m.backend !== 'webgpu' ? ` (fell back: ${gpu.m.backendReason})` : ''}`);
}

// Throughput: samples/s over the optimiser steps of a trial (validation excluded), after a warm-up trial.
for (const model of GPU_CHECK_MODELS) {
  for (const batch of model.batches.filter((b) => b <= maxBatch)) {
    const data = syntheticDataset({ shape: model.shape, classes: 10, train: batch * steps, validation: 256, test: 0 }, 1);
    const training: TrainingConfig = { epochs: 1, batchSize: batch, optimizer: 'adam', learningRate: 1e-3 };
    for (const backend of [...(gpuProbe.available ? ['webgpu' as const] : []), cpuRef]) {
      await trial(backend, syntheticDataset({ shape: model.shape, classes: 10, train: batch * 2, validation: 64, test: 0 }, 2), model.architecture, training);
      const { m } = await trial(backend, data, model.architecture, training);
      const row = { model: model.name, batch, backend: m.backend, samplesPerSecond: Math.round(m.samplesPerSecond), msPerStep: +(1000 * batch / m.samplesPerSecond).toFixed(2), loadavg: loadavg()[0] };
      (report['timings'] as unknown[]).push(row);
      save();
      console.log(`${model.name.padEnd(36)} batch ${String(batch).padStart(5)}  ${row.backend.padEnd(7)} ${String(row.samplesPerSecond).padStart(8)} samples/s  ${row.msPerStep} ms/step`);
    }
  }
}
report['tensorsLeft'] = tf.memory().numTensors;
save();
console.log(`wrote ${out}`);

/** Written after every row too, so a run cut short keeps what it measured. */
function save(): void {
  report['loadavgAfter'] = loadavg();
  writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
}
