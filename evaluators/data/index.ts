// Datasets: loaders (IDX, CIFAR, CSV), location and download, splits. Pure Node, no tfjs.
export * from './errors.js';
export { EMBEDDED_FILES, EMBEDDED_TEST_COUNT, embeddedDirectory } from './embedded.js';
export type { DownloadProgress, FetchLike } from './download.js';
export { KNOWN_DATASETS, type KnownDataset } from './known-datasets.js';
export { listDatasets, type DatasetListing } from './list-datasets.js';
export { loadDataset, type LoadOptions } from './load-dataset.js';
export { CSV_TEST_FRACTION } from './load-files.js';
export { type DataEnvironment, searchPlaces, SYSTEM_DATASETS_DIR, userCacheDir } from './locate.js';
export type { Dataset, Split } from './types.js';
export { standardize, type Standardization } from './standardize.js';
