import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadDataset } from '../../../evaluators/data/index.js';
import { classCounts, cifarRecords, labelsFor, tempDir, writeCifar10, writeCifar100 } from './fixtures.js';

const config = (name: string) => ({ name, validationFraction: 0.2 });

/** G plane holds label*2, so every sample's label is readable from its pixels. */
function pairedCifar(split: { x: Float32Array; y: Int32Array; count: number }): boolean {
  for (let i = 0; i < split.count; i++) if (Math.round(split.x[i * 3072 + 1]! * 255) !== split.y[i]! * 2) return false;
  return true;
}

test('CIFAR-10 batches load as [32,32,3] HWC floats in [0,1], paired with labels', async (t) => {
  const dir = tempDir(t);
  writeCifar10(dir, 20, 30);
  const d = await loadDataset(config(dir), 1);
  assert.deepEqual(d.shape, [32, 32, 3]);
  assert.equal(d.classes, 10);
  assert.equal(d.classNames?.[0], 'airplane');
  assert.deepEqual([d.train.count, d.validation.count, d.test.count], [80, 20, 30]);
  assert.ok(pairedCifar(d.train) && pairedCifar(d.validation) && pairedCifar(d.test));
  // test split keeps file order: sample 0 is record 0; its pixel p is (R, G, B) = (p, 2·label, 255 − p)
  const y0 = labelsFor(30, 10)[0]!;
  for (const p of [0, 1, 37, 1023]) {
    assert.deepEqual(Array.from(d.test.x.subarray(3 * p, 3 * p + 3)), [p % 256, y0 * 2, 255 - (p % 256)].map((v) => Math.fround(v / 255)));
  }
  assert.equal(Object.keys(d.checksums).length, 6);
});

test('CIFAR-10 is also found in the cifar-10-batches-bin/ subdirectory the archive creates, with meta class names', async (t) => {
  const dir = tempDir(t);
  const sub = join(dir, 'cifar-10-batches-bin');
  mkdirSync(sub);
  writeCifar10(sub, 4, 6);
  writeFileSync(join(sub, 'batches.meta.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n');
  const d = await loadDataset(config(dir), 1);
  assert.equal(d.source, sub);
  assert.deepEqual(d.classNames, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
});

test('CIFAR-100 uses the fine labels (100 classes)', async (t) => {
  const dir = tempDir(t);
  writeCifar100(dir, 300, 100);
  const d = await loadDataset(config(dir), 3);
  assert.equal(d.classes, 100);
  assert.equal(d.classNames?.[99], 'worm');
  assert.deepEqual([d.train.count, d.validation.count, d.test.count], [240, 60, 100]);
  assert.deepEqual(classCounts(d.test.y, 100), Array.from(classCounts(Int32Array.from(labelsFor(100, 100)), 100)));
  assert.ok(pairedCifar(d.train) && pairedCifar(d.test));
});

test('a CIFAR batch that is not a whole number of records is truncated, named', async (t) => {
  const dir = tempDir(t);
  const [first] = writeCifar10(dir, 4, 6);
  writeFileSync(first!, readFileSync(first!).subarray(0, 3073 * 3 + 100));
  await assert.rejects(loadDataset(config(dir), 1), {
    code: 'DATASET_TRUNCATED',
    message: /data_batch_1\.bin is truncated: expected a whole number of 3073-byte CIFAR-10 records, got 9319 bytes \(3 records and 100 stray bytes\)/,
  });
});

test('an official CIFAR-10 batch shorter than 10,000 records is truncated even on a record boundary', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'cifar10');
  mkdirSync(data);
  writeCifar10(data, 4, 6);
  await assert.rejects(loadDataset({ ...config('cifar10'), dataDir: dir }, 1, { env: {}, systemDir: join(dir, 'none'), cacheDir: join(dir, 'cache'), download: false }), {
    code: 'DATASET_TRUNCATED',
    message: /data_batch_1\.bin is truncated: expected 30730000 bytes, got 12292/,
  });
});

test('a CIFAR label outside the classes names the file and sample', async (t) => {
  const dir = tempDir(t);
  writeCifar10(dir, 4, 6);
  const y = labelsFor(6, 10);
  y[2] = 10;
  writeFileSync(join(dir, 'test_batch.bin'), cifarRecords(y));
  await assert.rejects(loadDataset(config(dir), 1), { code: 'DATASET_LABEL_OUT_OF_RANGE', message: /test_batch\.bin has label 10 at sample 2/ });
});

test('an empty CIFAR batch is rejected by name', async (t) => {
  const dir = tempDir(t);
  writeCifar10(dir, 4, 6);
  writeFileSync(join(dir, 'data_batch_3.bin'), '');
  await assert.rejects(loadDataset(config(dir), 1), { code: 'DATASET_EMPTY', message: /data_batch_3\.bin is empty/ });
});
