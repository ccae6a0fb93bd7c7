import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { listDatasets, loadDataset, searchPlaces, userCacheDir } from '../../../evaluators/data/index.js';
import { tempDir, writeIdxDataset } from './fixtures.js';

/** Four places each holding a Fashion-MNIST-shaped set with a different training count, so the count tells which was read. */
function places(root: string) {
  const dirs = {
    dataDir: join(root, 'data-dir', 'fashion-mnist'),
    env: join(root, 'env', 'fashion-mnist'),
    system: join(root, 'system', 'fashion-mnist'),
    cache: join(root, 'cache', 'fashion-mnist'),
  };
  Object.values(dirs).forEach((dir, i) => {
    mkdirSync(dir, { recursive: true });
    writeIdxDataset(dir, { train: 20 + i, test: 5, gzip: i % 2 === 0 });
  });
  const options = { env: { SPARSENAS_DATA: join(root, 'env') }, systemDir: join(root, 'system'), cacheDir: join(root, 'cache'), download: false };
  return { dirs, options, dataDir: join(root, 'data-dir') };
}

const total = (d: { train: { count: number }; validation: { count: number } }) => d.train.count + d.validation.count;

test('a named dataset is searched in --data-dir, then $SPARSENAS_DATA, then the system dir, then the cache', async (t) => {
  const { dirs, options, dataDir } = places(tempDir(t));
  const load = (withDataDir: boolean) => loadDataset({ name: 'fashion-mnist', validationFraction: 0.2, ...(withDataDir ? { dataDir } : {}) }, 1, options);
  let d = await load(true);
  assert.equal(total(d), 20);
  assert.equal(d.source, dirs.dataDir);
  assert.deepEqual(d.classNames?.[9], 'Ankle boot');
  d = await load(false);
  assert.equal([total(d), d.source].join(), [21, dirs.env].join());
  rmSync(dirs.env, { recursive: true });
  d = await load(false);
  assert.equal([total(d), d.source].join(), [22, dirs.system].join());
  rmSync(dirs.system, { recursive: true });
  d = await load(false);
  assert.equal([total(d), d.source].join(), [23, dirs.cache].join());
});

test('--data-dir may hold the files directly', async (t) => {
  const root = tempDir(t);
  writeIdxDataset(root, { train: 12, test: 3 });
  const d = await loadDataset({ name: 'kmnist', dataDir: root, validationFraction: 0.25 }, 1, { env: {}, systemDir: join(root, 'x'), cacheDir: join(root, 'y'), download: false });
  assert.equal(total(d), 12);
  assert.equal(d.name, 'kmnist');
});

test('a directory with only some of the files is skipped and reported with what is missing', async (t) => {
  const root = tempDir(t);
  const partial = join(root, 'data-dir', 'mnist');
  mkdirSync(partial, { recursive: true });
  const p = writeIdxDataset(partial, { train: 5, test: 5 });
  rmSync(p.testLabels);
  await assert.rejects(
    loadDataset({ name: 'mnist', dataDir: join(root, 'data-dir'), validationFraction: 0.2 }, 1, { env: {}, systemDir: join(root, 's'), cacheDir: join(root, 'c'), download: false }),
    (err: any) => {
      assert.equal(err.code, 'DATASET_NOT_FOUND');
      assert.match(err.message, new RegExp(`${partial} \\(--data-dir\\): missing t10k-labels-idx1-ubyte\\.gz`));
      assert.match(err.message, /\$SPARSENAS_DATA: not set/);
      assert.match(err.message, /Download is off/);
      return true;
    },
  );
});

test('search places and the cache dir follow the environment', () => {
  assert.equal(userCacheDir({ env: { XDG_CACHE_HOME: '/xdg' } }), '/xdg/sparsenas');
  assert.equal(userCacheDir({ env: { HOME: '/home/u' } }), '/home/u/.cache/sparsenas');
  assert.deepEqual(
    searchPlaces('cifar10', '/d', { env: { SPARSENAS_DATA: '/e', HOME: '/h' }, systemDir: '/s' }).map((p) => p.dir),
    ['/d/cifar10', '/d', '/e/cifar10', '/s/cifar10', '/h/.cache/sparsenas/cifar10'],
  );
});

test('listDatasets says which datasets are available, where, and where it looked', (t) => {
  const { dirs, options } = places(tempDir(t));
  rmSync(dirs.env, { recursive: true });
  const list = listDatasets(options);
  assert.deepEqual(list.map((l) => l.name), ['embedded', 'fashion-mnist', 'mnist', 'kmnist', 'cifar10', 'cifar100']);
  const byName = Object.fromEntries(list.map((l) => [l.name, l]));
  assert.equal(byName.embedded!.available, true);
  assert.equal(byName['fashion-mnist']!.available, true);
  assert.equal(byName['fashion-mnist']!.location, dirs.system);
  assert.equal(byName.mnist!.available, false);
  assert.equal(byName.mnist!.location, undefined);
  assert.equal(byName.mnist!.searched.length, 4); // --data-dir not given, env dir, system dir, cache
  assert.match(byName.cifar10!.downloadUrls[0]!, /cifar-10-binary\.tar\.gz$/);
});

test('a path that does not exist and a directory of no known format are explained', async (t) => {
  const root = tempDir(t);
  await assert.rejects(loadDataset({ name: join(root, 'nope'), validationFraction: 0.2 }, 1), {
    code: 'DATASET_NOT_FOUND',
    message: /neither a known dataset \(embedded, fashion-mnist, mnist, kmnist, cifar10, cifar100\) nor an existing file/,
  });
  await assert.rejects(loadDataset({ name: root, validationFraction: 0.2 }, 1), { code: 'DATASET_INVALID', message: /holds no dataset of a known format \(idx: missing train-images/ });
});
