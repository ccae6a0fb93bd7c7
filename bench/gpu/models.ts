import { DENSE_SPARSITY, type Architecture } from '../../search/index.js';

/** A model the GPU check times: its architecture, input shape and the batch sizes to time. */
export interface GpuCheckModel {
  name: string;
  architecture: Architecture;
  shape: number[];
  batches: number[];
}

/** The reference models of `npm run bench -- throughput` (platform-facts.md), dense. */
export const GPU_CHECK_MODELS: GpuCheckModel[] = [
  {
    name: 'MLP 784-300-100-10', shape: [784], batches: [128, 1024, 4096],
    architecture: { family: 'mlp', input: 'flat', sparsity: DENSE_SPARSITY, layers: [{ type: 'dense', units: 300, activation: 'relu' }, { type: 'dense', units: 100, activation: 'relu' }] },
  },
  {
    name: 'CNN conv32-pool-conv64-pool-dense10', shape: [28, 28, 1], batches: [128, 1024, 4096],
    architecture: {
      family: 'cnn', input: 'image', sparsity: DENSE_SPARSITY,
      layers: [{ type: 'conv2d', filters: 32, kernel: 3, activation: 'relu' }, { type: 'maxPool', size: 2 }, { type: 'conv2d', filters: 64, kernel: 3, activation: 'relu' }, { type: 'maxPool', size: 2 }],
    },
  },
  // HOOK, DARTS supernet: when the `cells` layer (issue 12) lands, push a small supernet here,
  // e.g. { name: 'DARTS supernet C8 L5', shape: [32, 32, 3], batches: [64, 256], architecture:
  // <the darts space's supernet for C = 8, 5 cells> }. The check then verifies it against cpu
  // and times it like the others; nothing else changes.
];
