import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EMBEDDED_FILES, embeddedDirectory, loadDataset } from '../../../evaluators/data/index.js';
import { classCounts } from './fixtures.js';

test('the embedded dataset loads offline from the package with 10 classes and 8000/1000/1000 samples', async () => {
  const d = await loadDataset({ name: 'embedded', validationFraction: 1 / 9 }, 7);
  assert.equal(d.name, 'embedded');
  assert.equal(d.classes, 10);
  assert.deepEqual(d.shape, [28, 28, 1]);
  assert.equal(d.classNames?.length, 10);
  assert.deepEqual([d.train.count, d.validation.count, d.test.count], [8000, 1000, 1000]);
  assert.equal(d.train.x.length, 8000 * 784);
  assert.deepEqual(classCounts(d.test.y, 10), new Array(10).fill(100));
  assert.deepEqual(classCounts(d.validation.y, 10), new Array(10).fill(100));
  let min = Infinity;
  let max = -Infinity;
  for (const v of d.train.x) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
});

test('the embedded checksums are the sha256 of the shipped files', async () => {
  const d = await loadDataset({ name: 'embedded', validationFraction: 0.1 }, 1);
  for (const file of Object.values(EMBEDDED_FILES)) {
    const expected = createHash('sha256').update(readFileSync(join(embeddedDirectory(), file))).digest('hex');
    assert.equal(d.checksums[file], expected);
  }
  assert.equal(d.checksums['t10k-images-idx3-ubyte.gz'], 'cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa');
});

test('the embedded test split is the same for every seed; validation follows the seed', async () => {
  const a = await loadDataset({ name: 'embedded', validationFraction: 0.1 }, 1);
  const b = await loadDataset({ name: 'embedded', validationFraction: 0.1 }, 2);
  assert.deepEqual(a.test.x, b.test.x);
  assert.deepEqual(a.test.y, b.test.y);
  assert.equal(a.validation.count, 900);
  assert.notDeepEqual(a.validation.x, b.validation.x);
});
