import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { downloadDataset } from '../../../evaluators/data/download.js';
import { loadDataset, type DownloadProgress } from '../../../evaluators/data/index.js';
import type { KnownDataset } from '../../../evaluators/data/known-datasets.js';
import { cifarRecords, fakeFetch, labelsFor, tarBytes, tempDir } from './fixtures.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

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
  const known: KnownDataset = {
    name: 'cifar10',
    description: '',
    format: 'cifar10',
    shape: [32, 32, 3],
    classes: 10,
    classNames: [],
    downloads: [{ url, sha256: sha(archive), bytes: archive.length }],
  };
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
