import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { readDataFile } from '../../../evaluators/data/data-file.js';
import { idxPool } from '../../../evaluators/data/idx.js';
import { loadDataset } from '../../../evaluators/data/index.js';
import { gather } from '../../../evaluators/data/sample-pool.js';
import { classCounts, idxBytes, imagesFor, labelsFor, pairedWithLabels, tempDir, writeIdxDataset } from './fixtures.js';

const pool = async (images: string, labels: string) => idxPool(await readDataFile(images), await readDataFile(labels), 10, [28, 28]);

for (const gzip of [true, false]) {
  test(`IDX ${gzip ? 'gzip' : 'raw'} files decode to [0,1] floats paired with their labels`, async (t) => {
    const dir = tempDir(t);
    const p = writeIdxDataset(dir, { train: 30, test: 10, gzip });
    const train = await pool(p.trainImages, p.trainLabels);
    assert.equal(train.count, 30);
    assert.deepEqual(train.shape, [28, 28, 1]);
    assert.deepEqual(Array.from(train.labels), Array.from(labelsFor(30, 10)));
    const split = await gather(train, [3, 0]);
    const raw = imagesFor(labelsFor(30, 10), 784);
    for (let k = 0; k < 784; k++) assert.equal(split.x[k], Math.fround(raw[3 * 784 + k]! / 255));
    assert.equal(split.y[0], train.labels[3]);
    assert.ok(pairedWithLabels(split, 784));
  });
}

test('a truncated IDX file names the file, expected and actual sizes, and the fix', async (t) => {
  const dir = tempDir(t);
  const p = writeIdxDataset(dir, { train: 20, test: 5, gzip: false });
  writeFileSync(p.trainImages, readFileSync(p.trainImages).subarray(0, 1200));
  await assert.rejects(pool(p.trainImages, p.trainLabels), (err: any) => {
    assert.equal(err.code, 'DATASET_TRUNCATED');
    assert.equal(err.name, 'DatasetTruncatedError');
    assert.match(err.message, /train-images-idx3-ubyte is truncated: expected 15696 bytes, got 1200\. Re-download it or pass --data-dir/);
    return true;
  });
});

test('a truncated gzip stream is reported as truncated', async (t) => {
  const dir = tempDir(t);
  const p = writeIdxDataset(dir, { train: 20, test: 5, gzip: true });
  const bytes = readFileSync(p.trainImages);
  writeFileSync(p.trainImages, bytes.subarray(0, bytes.length >> 1));
  await assert.rejects(readDataFile(p.trainImages), { code: 'DATASET_TRUNCATED', message: /train-images-idx3-ubyte\.gz is truncated: its gzip stream ends early/ });
});

test('a damaged gzip stream is reported as corrupt', async (t) => {
  const dir = tempDir(t);
  const p = writeIdxDataset(dir, { train: 20, test: 5, gzip: true });
  const bytes = Buffer.from(readFileSync(p.trainImages));
  bytes[20] = bytes[20]! ^ 0xff;
  bytes[21] = bytes[21]! ^ 0xff;
  writeFileSync(p.trainImages, bytes);
  await assert.rejects(pool(p.trainImages, p.trainLabels), { code: /DATASET_CORRUPT|DATASET_TRUNCATED/, message: /train-images-idx3-ubyte\.gz/ });
});

test('a wrong magic number (labels file given as images) names both numbers', async (t) => {
  const dir = tempDir(t);
  const p = writeIdxDataset(dir, { train: 20, test: 5 });
  await assert.rejects(pool(p.trainLabels, p.trainLabels), {
    code: 'DATASET_BAD_MAGIC',
    message: /train-labels-idx1-ubyte\.gz has magic number 0x00000801, expected 0x00000803 \(IDX unsigned-byte images, 3 dimensions\)/,
  });
});

test('image and label counts that disagree name both files', async (t) => {
  const dir = tempDir(t);
  const p = writeIdxDataset(dir, { train: 20, test: 5 });
  writeFileSync(p.trainLabels, gzipSync(idxBytes([19], labelsFor(19, 10))));
  await assert.rejects(pool(p.trainImages, p.trainLabels), {
    code: 'DATASET_COUNT_MISMATCH',
    message: /train-images-idx3-ubyte\.gz holds 20 images but .*train-labels-idx1-ubyte\.gz holds 19 labels/,
  });
});

test('images of the wrong size are rejected', async (t) => {
  const dir = tempDir(t);
  const p = writeIdxDataset(dir, { train: 20, test: 5, h: 32, w: 32 });
  await assert.rejects(pool(p.trainImages, p.trainLabels), { code: 'DATASET_BAD_SHAPE', message: /train-images-idx3-ubyte\.gz holds 32×32 images, expected 28×28/ });
});

test('a label outside the class range names the file, the label and the sample', async (t) => {
  const dir = tempDir(t);
  const p = writeIdxDataset(dir, { train: 20, test: 5 });
  const y = labelsFor(20, 10);
  y[13] = 10;
  writeFileSync(p.trainLabels, gzipSync(idxBytes([20], y)));
  await assert.rejects(pool(p.trainImages, p.trainLabels), {
    code: 'DATASET_LABEL_OUT_OF_RANGE',
    message: /train-labels-idx1-ubyte\.gz has label 10 at sample 13, outside the 10 classes 0–9/,
  });
});

test('an empty file is rejected by name', async (t) => {
  const dir = tempDir(t);
  const p = writeIdxDataset(dir, { train: 20, test: 5 });
  writeFileSync(p.testImages, '');
  await assert.rejects(readDataFile(p.testImages), { code: 'DATASET_EMPTY', message: /t10k-images-idx3-ubyte\.gz is empty/ });
});

test('trailing bytes after the announced data are rejected', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'labels');
  writeFileSync(file, Buffer.concat([idxBytes([5], labelsFor(5, 10)), Buffer.from([1, 2, 3])]));
  const images = join(dir, 'images');
  writeFileSync(images, idxBytes([5, 28, 28], imagesFor(labelsFor(5, 10), 784)));
  await assert.rejects(pool(images, file), { code: 'DATASET_CORRUPT', message: /has 3 bytes after the 5 labels/ });
});

test('an IDX directory given as a path loads with classes from its labels, sha256 of every file, and seeded disjoint splits', async (t) => {
  const dir = tempDir(t);
  const p = writeIdxDataset(dir, { train: 200, test: 40, classes: 4, gzip: false });
  const config = { name: dir, validationFraction: 0.25 };
  const a = await loadDataset(config, 11);
  assert.equal(a.classes, 4);
  assert.equal(a.classNames, undefined);
  assert.deepEqual([a.train.count, a.validation.count, a.test.count], [150, 50, 40]);
  assert.deepEqual(classCounts(a.validation.y, 4), [13, 13, 12, 12]); // 200 samples are 50 per class; 25% each
  for (const [role, path] of Object.entries(p)) {
    assert.equal(a.checksums[basename(path)], createHash('sha256').update(readFileSync(path)).digest('hex'), role);
  }
  // pixel 0 is the sample index (all < 256 here): train and validation are disjoint and cover the training file
  const ids = (s: { x: Float32Array; count: number }) => Array.from({ length: s.count }, (_, i) => Math.round(s.x[i * 784]! * 255));
  const train = ids(a.train);
  const validation = ids(a.validation);
  assert.equal(new Set([...train, ...validation]).size, 200);
  assert.deepEqual(await loadDataset(config, 11), a);
  assert.notDeepEqual(ids((await loadDataset(config, 12)).validation), validation);
});
