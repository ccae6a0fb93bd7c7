import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { downloadDataset } from '../../../evaluators/data/download.js';
import { extractTarGz } from '../../../evaluators/data/tar.js';
import { loadDataset, type DownloadProgress } from '../../../evaluators/data/index.js';
import { type KnownDataset, knownDataset } from '../../../evaluators/data/known-datasets.js';
import { cifarRecords, fakeFetch, labelsFor, tarBytes, tempDir, writeIdxDataset } from './fixtures.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A catalogue entry (like known-datasets.ts) for files served by a fake fetch. */
function catalogue(name: 'cifar10' | 'mnist', files: Record<string, Uint8Array>): KnownDataset {
  return {
    ...knownDataset(name)!,
    downloads: Object.entries(files).map(([url, data]) => ({ url, sha256: sha(data), bytes: data.length })),
  };
}

function isolated(root: string) {
  return { env: {}, systemDir: join(root, 'system'), cacheDir: join(root, 'cache') };
}

test('offline: a failing fetch gives, at once and without retrying, every place looked in and how to provide the files', async (t) => {
  const root = tempDir(t);
  const calls: string[] = [];
  const fetch = async (url: string): Promise<never> => {
    calls.push(url);
    throw new Error('getaddrinfo ENOTFOUND fashion-mnist.s3-website.eu-central-1.amazonaws.com');
  };
  await assert.rejects(loadDataset({ name: 'fashion-mnist', dataDir: join(root, 'd'), validationFraction: 0.1 }, 1, { ...isolated(root), fetch }), (err: any) => {
    assert.equal(err.code, 'DATASET_NOT_FOUND');
    assert.equal(err.name, 'DatasetNotFoundError');
    for (const place of [join(root, 'd', 'fashion-mnist'), join(root, 'd'), '$SPARSENAS_DATA: not set', join(root, 'system', 'fashion-mnist'), join(root, 'cache', 'fashion-mnist')]) {
      assert.ok(err.message.includes(place), `message names ${place}`);
    }
    assert.match(err.message, /failed: getaddrinfo ENOTFOUND/);
    assert.match(err.message, /pass --data-dir <dir>/);
    assert.match(err.message, /dataset-fashion-mnist/);
    assert.match(err.message, /train-images-idx3-ubyte\.gz/);
    assert.deepEqual(err.searched.length, 4);
    return true;
  });
  assert.equal(calls.length, 1);
});

test('a download whose sha256 differs is deleted and reported', async (t) => {
  const root = tempDir(t);
  const bogus = gzipSync(Buffer.from('not mnist'));
  const { fetch } = fakeFetch({ 'https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz': bogus });
  await assert.rejects(loadDataset({ name: 'mnist', validationFraction: 0.1 }, 1, { ...isolated(root), fetch }), {
    code: 'DATASET_CHECKSUM_MISMATCH',
    message: new RegExp(`train-images-idx3-ubyte\\.gz from https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte\\.gz has sha256 ${sha(bogus)}, expected 440fcabf`),
  });
  assert.deepEqual(readdirSync(join(root, 'cache', 'mnist')), []);
});

test('an HTTP error is reported as not found with the status', async (t) => {
  const root = tempDir(t);
  const { fetch } = fakeFetch({});
  await assert.rejects(loadDataset({ name: 'kmnist', validationFraction: 0.1 }, 1, { ...isolated(root), fetch }), { code: 'DATASET_NOT_FOUND', message: /answered 404 Not Found/ });
});

test('SPARSENAS_OFFLINE turns the download off', async (t) => {
  const root = tempDir(t);
  const { fetch, calls } = fakeFetch({});
  await assert.rejects(loadDataset({ name: 'kmnist', validationFraction: 0.1 }, 1, { ...isolated(root), env: { SPARSENAS_OFFLINE: '1' }, fetch }), {
    code: 'DATASET_NOT_FOUND',
    message: /Download is off/,
  });
  assert.equal(calls.length, 0);
});

test('a CIFAR archive is downloaded with progress, verified, unpacked flat and removed', async (t) => {
  const root = tempDir(t);
  const batches = [1, 2, 3, 4, 5].map((b) => ({ name: `cifar-10-batches-bin/data_batch_${b}.bin`, data: cifarRecords(labelsFor(3, 10)) }));
  const archive = gzipSync(
    tarBytes([
      ...batches,
      { name: 'cifar-10-batches-bin/test_batch.bin', data: cifarRecords(labelsFor(4, 10)) },
      { name: 'cifar-10-batches-bin/readme.html', data: Buffer.from('<p>hi</p>') },
      { name: '../../escape/batches.meta.txt', data: Buffer.from('a\n') },
    ]),
  );
  const url = 'https://example.test/cifar-10-binary.tar.gz';
  const known = catalogue('cifar10', { [url]: archive });
  const { fetch } = fakeFetch({ [url]: archive }, 1000);
  const progress: DownloadProgress[] = [];
  const dir = join(root, 'downloads', 'c10');
  await downloadDataset(known, dir, { fetch, onProgress: (p) => progress.push(p) });
  assert.deepEqual(readdirSync(dir).sort(), ['batches.meta.txt', 'data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']);
  assert.deepEqual(readFileSync(join(dir, 'data_batch_2.bin')), Buffer.from(batches[1]!.data));
  assert.equal(existsSync(join(root, 'escape')), false);
  assert.equal(progress.at(-1)!.receivedBytes, archive.length);
  assert.equal(progress.at(-1)!.totalBytes, archive.length);
  assert.equal(progress[0]!.file, 'cifar-10-binary.tar.gz');
  assert.ok(progress.every((p, i) => i === 0 || p.receivedBytes > progress[i - 1]!.receivedBytes));
  // the unpacked batches load (from a directory not named cifar10: that name would insist on the official 10,000 records per batch)
  const d = await loadDataset({ name: dir, validationFraction: 0.2 }, 1);
  assert.deepEqual([d.train.count + d.validation.count, d.test.count], [15, 4]);
});

test('IDX files are downloaded one by one; a file already complete in the cache is kept, not fetched again', async (t) => {
  const root = tempDir(t);
  const source = join(root, 'source');
  mkdirSync(source);
  const paths = Object.values(writeIdxDataset(source, { train: 10, test: 4 }));
  const base = 'https://example.test/idx/';
  const served = Object.fromEntries(paths.map((p) => [base + basename(p), readFileSync(p)]));
  const known = catalogue('mnist', served);
  const dir = join(root, 'cache', 'mnist-like');
  mkdirSync(dir, { recursive: true });
  copyFileSync(paths[0]!, join(dir, basename(paths[0]!)));
  const { fetch, calls } = fakeFetch(served);
  await downloadDataset(known, dir, { fetch });
  assert.deepEqual(calls, paths.slice(1).map((p) => base + basename(p)));
  const d = await loadDataset({ name: dir, validationFraction: 0.2 }, 1);
  assert.deepEqual([d.train.count + d.validation.count, d.test.count], [10, 4]);
});

test('a truncated archive is reported as truncated and leaves no member behind', async (t) => {
  const root = tempDir(t);
  const archive = gzipSync(tarBytes([{ name: 'cifar-100-binary/train.bin', data: cifarRecords(labelsFor(40, 100), labelsFor(40, 20)) }]));
  const path = join(root, 'cifar-100-binary.tar.gz');
  writeFileSync(path, archive.subarray(0, archive.length >> 1));
  await assert.rejects(extractTarGz(path, root, new Set(['train.bin'])), { code: 'DATASET_TRUNCATED', message: /cifar-100-binary\.tar\.gz is truncated/ });
  assert.deepEqual(readdirSync(root), ['cifar-100-binary.tar.gz']);
});

test('a missing archive is an error, not a hang', async (t) => {
  const root = tempDir(t);
  await assert.rejects(extractTarGz(join(root, 'absent.tar.gz'), root, new Set(['train.bin'])), { code: 'ENOENT' });
});
