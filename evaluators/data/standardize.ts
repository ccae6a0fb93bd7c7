import type { Dataset } from './types.js';

export interface Standardization {
  mean: number[];
  std: number[];
}

/**
 * Optional second normalisation step: `(x − mean) / std` per channel (the last axis of
 * `shape`: 1 for grey images, 3 for RGB, every column for tabular data), with mean and
 * standard deviation measured on the training split only and applied to all three splits,
 * in place. `loadDataset` already gives [0, 1] values; call this when a model wants zero mean
 * and unit variance (the usual CIFAR preprocessing). A constant channel keeps std 1.
 */
export function standardize(dataset: Dataset): Standardization {
  const channels = dataset.shape[dataset.shape.length - 1]!;
  const sum = new Float64Array(channels);
  const sumSq = new Float64Array(channels);
  const x = dataset.train.x;
  for (let i = 0; i < x.length; i++) {
    const c = i % channels;
    const v = x[i]!;
    sum[c] += v;
    sumSq[c] += v * v;
  }
  const n = x.length / channels;
  const mean = Array.from(sum, (s) => (n > 0 ? s / n : 0));
  const std = Array.from(sumSq, (s, c) => {
    const variance = n > 0 ? s / n - mean[c]! ** 2 : 0;
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  for (const split of [dataset.train, dataset.validation, dataset.test]) {
    const data = split.x;
    for (let i = 0; i < data.length; i++) {
      const c = i % channels;
      data[i] = (data[i]! - mean[c]!) / std[c]!;
    }
  }
  return { mean, std };
}
