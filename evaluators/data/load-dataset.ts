import type { DatasetConfig } from '../../search/types.js';
import { loadEmbedded } from './embedded.js';
import { DatasetConfigError } from './errors.js';
import type { Dataset } from './types.js';

export async function loadDataset(config: DatasetConfig, seed: number): Promise<Dataset> {
  if (config.name === 'embedded') return loadEmbedded(config, seed);
  throw new DatasetConfigError(config.name, `unknown dataset ${config.name}`);
}
