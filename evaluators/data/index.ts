// Datasets: loaders (IDX, CIFAR, CSV), location and download, splits. Pure Node, no tfjs.
export * from './errors.js';
export { EMBEDDED_FILES, EMBEDDED_TEST_COUNT, embeddedDirectory } from './embedded.js';
export { KNOWN_DATASETS, type KnownDataset } from './known-datasets.js';
export { loadDataset } from './load-dataset.js';
export type { Dataset, Split } from './types.js';
