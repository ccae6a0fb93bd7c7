// Placeholder until the dataset loaders land (owned by the data module): the evaluator's
// default loader, serving only generated data (`synthetic` and `synthetic-image`).
import type { DatasetConfig } from '../../search/index.js';
import { SparsenasError } from '../../search/index.js';
import { syntheticDataset } from '../synthetic-dataset.js';
import type { Dataset } from './types.js';

export type { Dataset, Split } from './types.js';

export async function loadDataset(config: DatasetConfig, seed: number): Promise<Dataset> {
  const n = config.subset ?? 1200;
  const validation = Math.max(1, Math.round(n * config.validationFraction));
  const counts = { train: n - validation, validation, test: Math.max(1, Math.round(n / 5)) };
  if (config.name === 'synthetic') return syntheticDataset({ shape: [16], classes: 4, ...counts }, seed);
  if (config.name === 'synthetic-image') return syntheticDataset({ shape: [8, 8, 1], classes: 4, ...counts }, seed);
  throw new SparsenasError('DATASET_UNKNOWN', `dataset "${config.name}" is not available in this build; use dataset.name "synthetic" or "synthetic-image"`);
}
