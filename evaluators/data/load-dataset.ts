import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { DatasetConfig } from '../../search/types.js';
import { downloadDataset, type DownloadOptions } from './download.js';
import { loadEmbedded } from './embedded.js';
import { DatasetConfigError, DatasetError, DatasetNotFoundError } from './errors.js';
import { KNOWN_DATASETS, type KnownDataset, knownDataset } from './known-datasets.js';
import { CIFAR100_FILES, CIFAR10_FILES, detectLayout, IDX_FILES, isMatch, type LayoutMatch, matchLayout } from './layouts.js';
import { loadLayout } from './load-files.js';
import { type DataEnvironment, describeOutcome, locate, type SearchOutcome, unconfiguredPlaces, userCacheDir } from './locate.js';
import type { Dataset } from './types.js';

export interface LoadOptions extends DataEnvironment, DownloadOptions {
  /** Download a known dataset found nowhere (default true; `SPARSENAS_OFFLINE=1` turns it off). */
  download?: boolean;
}

/**
 * Loads `config.name`: `embedded` (shipped with the package), a known name (`fashion-mnist`,
 * `mnist`, `kmnist`, `cifar10`, `cifar100`: searched for, downloaded if absent), or a path to
 * a CSV file or to a directory of IDX, CIFAR or CSV (`train.csv`, optional `test.csv`) files.
 * Validation is carved from the training files by `seed`; the test split is the test files
 * (or a fixed-seed hold-out when there are none). Values are float32 in [0, 1].
 */
export async function loadDataset(config: DatasetConfig, seed: number, options: LoadOptions = {}): Promise<Dataset> {
  if (config.name === 'embedded') return loadEmbedded(config, seed);
  const known = knownDataset(config.name);
  if (known) return loadLayout(await findOrDownload(known, config.dataDir, options), known.name, known, config, seed);
  return loadPath(config, seed);
}

async function findOrDownload(known: KnownDataset, dataDir: string | undefined, options: LoadOptions): Promise<LayoutMatch> {
  const outcomes = locate(known, dataDir, options);
  const found = outcomes.find((o) => o.match)?.match;
  if (found) return found;
  const env = options.env ?? process.env;
  const allowed = options.download ?? !['1', 'true', 'yes'].includes((env.SPARSENAS_OFFLINE ?? '').toLowerCase());
  const fail = (download: string, cause?: unknown): DatasetNotFoundError =>
    notFound(known, [...unconfiguredPlaces(dataDir, options), ...outcomes.map(describeOutcome)], outcomes, download, cause);
  if (!allowed) throw fail('Download is off (SPARSENAS_OFFLINE is set or download: false).');
  const cache = join(userCacheDir(options), known.name);
  try {
    await downloadDataset(known, cache, options);
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    throw fail(`Downloading ${known.downloads[0]!.url} failed: ${(err as Error).message}.`, err);
  }
  const m = matchLayout(cache, known.format);
  if (!isMatch(m)) throw fail(`The download into ${cache} did not produce ${m.missing.join(', ')}.`);
  return m;
}

function wantedFiles(known: KnownDataset): string {
  if (known.format === 'idx') return IDX_FILES.map((f) => `${f}.gz`).join(', ');
  if (known.format === 'cifar10') return `${CIFAR10_FILES.join(', ')} (from cifar-10-binary.tar.gz)`;
  return `${CIFAR100_FILES.join(', ')} (from cifar-100-binary.tar.gz)`;
}

function notFound(known: KnownDataset, looked: string[], outcomes: SearchOutcome[], download: string, cause?: unknown): DatasetNotFoundError {
  const debian = known.name === 'fashion-mnist' ? ', install the Debian package dataset-fashion-mnist,' : '';
  const message =
    `dataset ${known.name} not found. Looked in:\n${looked.map((l) => `  - ${l}`).join('\n')}\n${download}\n` +
    `To provide it, put ${wantedFiles(known)} in a directory and pass --data-dir <dir> (or set SPARSENAS_DATA to a directory ` +
    `holding ${known.name}/)${debian} or run once with network access to download ${known.downloads.map((d) => d.url).join(', ')}.`;
  return new DatasetNotFoundError(
    known.name,
    outcomes.map((o) => o.place.dir),
    message,
    cause === undefined ? undefined : { cause },
  );
}

const CSV_FILE = /\.(csv|tsv)(\.gz)?$/i;

async function loadPath(config: DatasetConfig, seed: number): Promise<Dataset> {
  const path = resolve(config.name);
  if (!existsSync(path)) {
    const names = ['embedded', ...KNOWN_DATASETS.map((d) => d.name)].join(', ');
    throw new DatasetNotFoundError(
      config.name,
      [path],
      `dataset ${config.name} is neither a known dataset (${names}) nor an existing file or directory (${path}). ` +
        'Fix dataset.name / --dataset',
    );
  }
  const name = basename(path).replace(CSV_FILE, '');
  const known = knownDataset(name);
  if (statSync(path).isFile()) {
    if (!CSV_FILE.test(path)) {
      throw new DatasetConfigError(
        path,
        `dataset file ${path} is of no known format: pass a .csv file, or a directory holding IDX files (${IDX_FILES.join(', ')}, gzipped or not), ` +
          `CIFAR-10 batches (${CIFAR10_FILES.join(', ')}), CIFAR-100 (${CIFAR100_FILES.join(', ')}) or train.csv [+ test.csv]`,
      );
    }
    return loadLayout({ format: 'csv', dir: path, files: [path] }, name, undefined, config, seed);
  }
  const match = detectLayout(path);
  if (!match) {
    const misses = (['idx', 'cifar10', 'cifar100', 'csv'] as const).map((f) => {
      const m = matchLayout(path, f);
      return `${f}: missing ${isMatch(m) ? '' : m.missing.join(', ')}`;
    });
    throw new DatasetConfigError(path, `directory ${path} holds no dataset of a known format (${misses.join('; ')}). Put the files there or fix --dataset`);
  }
  return loadLayout(match, name, known?.format === match.format ? known : undefined, config, seed);
}
