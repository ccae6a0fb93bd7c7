import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetConfig } from '../../search/types.js';
import { buildDataset } from './build-dataset.js';
import { type DataFile, readDataFiles } from './data-file.js';
import { DatasetNotFoundError } from './errors.js';
import { idxPool } from './idx.js';
import { FASHION_MNIST_CLASSES } from './known-datasets.js';
import type { Dataset } from './types.js';

/**
 * The default dataset, shipped in the package so a first search needs no network: the
 * 10,000-image Fashion-MNIST test release (Xiao, Rasul & Vollgraf 2017, MIT licence; see
 * data/embedded/README.md). 1,000 images (100 per class) are held out as test with a fixed
 * seed, the same for every study; validation is carved from the other 9,000 by the study
 * seed (`validationFraction` 1/9 gives 8,000 / 1,000 / 1,000).
 */
export const EMBEDDED_FILES = { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' } as const;
export const EMBEDDED_TEST_COUNT = 1000;

/**
 * The package's `data/embedded/`. Compiled, this module is dist/evaluators/data/embedded.js
 * (three levels below the package root); run from source (tsx) it is two levels below.
 */
export function embeddedDirectory(): string {
  const candidates = ['../../../data/embedded/', '../../data/embedded/'].map((rel) => resolve(fileURLToPath(new URL(rel, import.meta.url))));
  return candidates.find((dir) => existsSync(join(dir, EMBEDDED_FILES.images))) ?? candidates[0]!;
}

export async function loadEmbedded(config: DatasetConfig, seed: number): Promise<Dataset> {
  const dir = embeddedDirectory();
  const paths = Object.values(EMBEDDED_FILES).map((f) => join(dir, f));
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length > 0) {
    throw new DatasetNotFoundError(
      'embedded',
      paths,
      `the embedded dataset is missing from the package: ${missing.join(', ')} not found. ` +
        'Reinstall sparsenas, or use another dataset (--dataset fashion-mnist --data-dir <dir>)',
    );
  }
  const [images, labels] = (await readDataFiles(paths)) as [DataFile, DataFile];
  return buildDataset(
    {
      name: 'embedded',
      source: dir,
      classes: 10,
      classNames: FASHION_MNIST_CLASSES,
      checksums: { [images.name]: images.sha256, [labels.name]: labels.sha256 },
      trainPool: idxPool(images, labels, 10, [28, 28]),
      testHoldOut: EMBEDDED_TEST_COUNT,
    },
    config,
    seed,
  );
}
