import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DENSE_SPARSITY, type Architecture, type EpochMetrics, type LayerSpec, type SparsitySpec, type TrainingConfig, type TrialReporter } from '../../search/index.js';

/** wasm is much faster than cpu; conv gradients need cpu (wasm lacks Conv2DBackpropFilter). */
export async function useBackend(name: 'wasm' | 'cpu' = 'wasm'): Promise<void> {
  await tf.setBackend(name);
  await tf.ready();
}

export function arch(layers: LayerSpec[], sparsity: Partial<SparsitySpec> = {}, input: 'flat' | 'image' = 'flat'): Architecture {
  return { family: 'test', input, layers, sparsity: { ...DENSE_SPARSITY, ...sparsity } };
}

export const TRAINING: TrainingConfig = { epochs: 3, batchSize: 32, optimizer: 'adam', learningRate: 0.01 };

export function recorder(): TrialReporter & { epochs: EpochMetrics[] } {
  const epochs: EpochMetrics[] = [];
  return { epochs, epochEnded: (m) => { epochs.push(m); } };
}
