/**
 * End-to-end training throughput of the tfjs evaluator (network build, masked forward,
 * backward, optimiser, sparse-method hooks, per-epoch validation), batch 128, Adam, on
 * synthetic 28×28×1 data, after a short warm-up trial. samples/s is wall time over the
 * optimiser steps: on a shared machine it drops with the load (compare `uptime`).
 * Compare with the reference table in platform-facts.md.
 *
 *   npx tsc -p . && node dist/bench/evaluator-throughput.js [--backend wasm] [--samples 6144] [--only mlp|cnn]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_DEFINITION, DENSE_SPARSITY, type Architecture, type SparsitySpec } from '../search/index.js';
import { TfjsEvaluator, syntheticDataset, type BackendChoice } from '../evaluators/index.js';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'auto' }, samples: { type: 'string', default: '6144' }, only: { type: 'string' } } });
const samples = Number(values.samples);

const mlp = (sparsity: Partial<SparsitySpec>): Architecture => ({
  family: 'mlp', input: 'flat', sparsity: { ...DENSE_SPARSITY, ...sparsity },
  layers: [{ type: 'dense', units: 300, activation: 'relu' }, { type: 'dense', units: 100, activation: 'relu' }],
});
const cnn: Architecture = {
  family: 'cnn', input: 'image', sparsity: DENSE_SPARSITY,
  layers: [
    { type: 'conv2d', filters: 32, kernel: 3, activation: 'relu' }, { type: 'maxPool', size: 2 },
    { type: 'conv2d', filters: 64, kernel: 3, activation: 'relu' }, { type: 'maxPool', size: 2 },
  ],
};
const cases: [string, Architecture, number][] = [
  ['MLP 784-300-100-10 dense', mlp({}), samples],
  ['MLP 784-300-100-10 static 90%', mlp({ level: 0.9 }), samples],
  ['MLP 784-300-100-10 RigL 90% (ΔT 10)', mlp({ level: 0.9, method: 'rigl', updateEvery: 10 }), samples],
  ['CNN conv32-pool-conv64-pool-dense10', cnn, Math.min(samples, 1024)],
];

async function trial(arch: Architecture, n: number) {
  const loader = async () => syntheticDataset({ shape: [28, 28, 1], classes: 10, train: n, validation: 256, test: 0 }, 1);
  const ev = new TfjsEvaluator({ loader, backend: values.backend as BackendChoice });
  const info = await ev.prepare(DEFAULT_DEFINITION);
  const m = await ev.evaluate({
    studyName: 'bench', trialNumber: 0, seed: 1, architecture: arch, dataset: DEFAULT_DEFINITION.dataset,
    training: { epochs: 1, batchSize: 128, optimizer: 'adam', learningRate: 1e-3 },
  }, { epochEnded: () => {} }, new AbortController().signal);
  await ev.dispose();
  return { info, m };
}

for (const [label, arch, n] of cases) {
  if (values.only && !label.toLowerCase().startsWith(values.only)) continue;
  await trial(arch, 256); // warm-up: backend init, kernel setup, JIT
  const { info, m } = await trial(arch, n);
  console.log(`${label.padEnd(40)} ${info.backend.padEnd(6)} ${m.samplesPerSecond.toFixed(0).padStart(7)} samples/s  ` +
    `(${n} samples, ${(m.trainTimeMs / 1000).toFixed(1)} s with validation; sparse/dense FLOPs ${(m.sparseFlops / m.denseFlops).toFixed(3)}; tensors ${tf.memory().numTensors})`);
}
