import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetConfig } from '../../search/types.js';
import { buildDataset, type DatasetParts } from './build-dataset.js';
import { cifarPool, type CifarVariant } from './cifar.js';
import { csvClasses, csvPools, readCsvTable } from './csv.js';
import { type DataFile, readDataFiles } from './data-file.js';
import { idxPool, parseIdx } from './idx.js';
import { type KnownDataset, knownDataset } from './known-datasets.js';
import type { LayoutMatch } from './layouts.js';
import { concatPools } from './sample-pool.js';
import type { Dataset } from './types.js';

/** A CSV without a test file gives this fraction (stratified, fixed seed) to the test split. */
export const CSV_TEST_FRACTION = 0.2;

const checksums = (files: DataFile[]): { [file: string]: string } => Object.fromEntries(files.map((f) => [f.name, f.sha256]));

/**
 * Loads the files a layout found. `known` (when loading by name) pins the image size, the
 * class count and the official record counts, so a file from another dataset or release is
 * rejected instead of silently accepted.
 */
export async function loadLayout(
  match: LayoutMatch,
  name: string,
  known: KnownDataset | undefined,
  config: DatasetConfig,
  seed: number,
): Promise<Dataset> {
  const base = { name, source: match.dir };
  switch (match.format) {
    case 'idx': {
      const files = await readDataFiles(match.files);
      const [trainImages, trainLabels, testImages, testLabels] = files as [DataFile, DataFile, DataFile, DataFile];
      const classes = known?.classes ?? inferIdxClasses(trainLabels, testLabels);
      const size = known ? (known.shape.slice(0, 2) as [number, number]) : undefined;
      return buildDataset(
        {
          ...base,
          classes,
          ...(known ? { classNames: known.classNames } : {}),
          checksums: checksums(files),
          trainPool: idxPool(trainImages, trainLabels, classes, size),
          testPool: idxPool(testImages, testLabels, classes, size),
          testFile: testImages.path,
        },
        config,
        seed,
      );
    }
    case 'cifar10':
    case 'cifar100':
      return loadCifar(match, match.format, known !== undefined, base, config, seed);
    case 'csv': {
      const files = await readDataFiles(match.files);
      const tables = files.map((f) => readCsvTable(f, config.labelColumn));
      const classes = csvClasses(tables);
      const pools = csvPools(tables[0]!, tables[1], classes);
      return buildDataset(
        {
          ...base,
          classes: classes.classes,
          ...(classes.classNames ? { classNames: classes.classNames } : {}),
          checksums: checksums(files),
          trainPool: pools.train,
          ...(pools.test ? { testPool: pools.test, testFile: files[1]!.path } : { testHoldOut: Math.max(1, Math.round(CSV_TEST_FRACTION * pools.train.count)) }),
        },
        config,
        seed,
      );
    }
  }
}

async function loadCifar(
  match: LayoutMatch,
  variant: CifarVariant,
  official: boolean,
  base: Pick<DatasetParts, 'name' | 'source'>,
  config: DatasetConfig,
  seed: number,
): Promise<Dataset> {
  // All batch buffers stay alive until the splits are decoded: that is the "file buffer"
  // (154 MB for CIFAR-10), plus the float copy of the kept samples — nothing else.
  const files = await readDataFiles(match.files);
  const test = files.pop()!;
  const trainRecords = variant === 'cifar10' ? 10000 : 50000;
  const spec = knownDataset(variant)!;
  return buildDataset(
    {
      ...base,
      classes: spec.classes,
      classNames: readClassNames(match.dir, variant === 'cifar10' ? 'batches.meta.txt' : 'fine_label_names.txt', spec.classes) ?? spec.classNames,
      checksums: checksums([...files, test]),
      trainPool: concatPools(files.map((f) => cifarPool(f, variant, official ? trainRecords : undefined))),
      testPool: cifarPool(test, variant, official ? 10000 : undefined),
      testFile: test.path,
    },
    config,
    seed,
  );
}

/** Class names from the archive's meta file, when present and of the right length. */
function readClassNames(dir: string, file: string, classes: number): string[] | undefined {
  const path = join(dir, file);
  if (!existsSync(path)) return undefined;
  const names = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return names.length === classes ? names : undefined;
}

/** An IDX directory of no known dataset: as many classes as the largest label says. */
function inferIdxClasses(...labelFiles: DataFile[]): number {
  let max = 0;
  for (const f of labelFiles) for (const v of parseIdx(f, 1, 'labels').data) max = Math.max(max, v);
  return max + 1;
}
