import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parseCsvText } from '../../../evaluators/data/csv-text.js';
import { loadDataset } from '../../../evaluators/data/index.js';
import { tempDir } from './fixtures.js';

/** 50 rows: f1 = i, f2 = 2 - i/10 (any scale), label cycles through 3 classes; f1 identifies the row. */
function rows(n = 50, label: (i: number) => string = (i) => String(i % 3)): string[] {
  return Array.from({ length: n }, (_, i) => `${i},${2 - i / 10},${label(i)}`);
}

const write = (dir: string, name: string, lines: string[]) => {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
};

test('CSV without header: label is the last column, features min–max scaled on the train split', async (t) => {
  const file = write(tempDir(t), 'data.csv', rows());
  const d = await loadDataset({ name: file, validationFraction: 0.2 }, 1);
  assert.deepEqual(d.shape, [2]);
  assert.equal(d.classes, 3);
  assert.equal(d.classNames, undefined);
  assert.deepEqual([d.train.count, d.validation.count, d.test.count], [32, 8, 10]);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of d.train.x) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  assert.equal(lo, 0);
  assert.equal(hi, 1);
  assert.deepEqual(Object.keys(d.checksums), ['data.csv']);
});

test('CSV label by header name and by index, with class-name labels', async (t) => {
  const dir = tempDir(t);
  const names = ['setosa', 'virginica', 'versicolor'];
  const file = write(dir, 'iris.csv', ['species,a,b', ...rows(30, (i) => names[i % 3]!).map((r) => r.split(',').reverse().join(','))]);
  const byName = await loadDataset({ name: file, validationFraction: 0.2, labelColumn: 'species' }, 1);
  const byIndex = await loadDataset({ name: file, validationFraction: 0.2, labelColumn: 0 }, 1);
  assert.deepEqual(byName.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(byName.train, byIndex.train);
  assert.equal(byName.classes, 3);
  // no labelColumn and no column named label/class/target/y: the last column is the label, so the
  // text column "species" is read as a feature and rejected by name
  await assert.rejects(loadDataset({ name: file, validationFraction: 0.2 }, 1), { code: 'DATASET_BAD_VALUE', message: /column "species": "setosa"/ });
});

test('a header is detected; a column named label is the default label column', async (t) => {
  const dir = tempDir(t);
  const file = write(dir, 'h.csv', ['label,x1,x2', ...rows(20).map((r) => r.split(',').reverse().join(','))]);
  const d = await loadDataset({ name: file, validationFraction: 0.25 }, 1);
  assert.equal(d.classes, 3);
  assert.equal(d.train.count + d.validation.count + d.test.count, 20);
});

test('train.csv + test.csv in a directory: the test file is the test split, scaled with train statistics', async (t) => {
  const dir = tempDir(t);
  write(dir, 'train.csv', ['x,z,label', ...rows(40)]);
  writeFileSync(join(dir, 'test.csv.gz'), gzipSync(['x,z,label', '100,0,1', '0,2,2'].join('\n')));
  const d = await loadDataset({ name: dir, validationFraction: 0.25 }, 2);
  assert.equal(d.test.count, 2);
  assert.deepEqual(Array.from(d.test.y), [1, 2]);
  // x = 100 is past the training max (≤ 39), so it scales past 1; x = 0 is at most 0
  assert.ok(d.test.x[0]! > 1);
  assert.ok(d.test.x[2]! <= 0);
  assert.deepEqual(Object.keys(d.checksums).sort(), ['test.csv.gz', 'train.csv']);
});

test('a non-numeric cell names the file, the row and the column', async (t) => {
  const dir = tempDir(t);
  const lines = ['x,z,label', ...rows(10)];
  lines[4] = '3,abc,0';
  const file = write(dir, 'bad.csv', lines);
  await assert.rejects(loadDataset({ name: file, validationFraction: 0.2 }, 1), (err: any) => {
    assert.equal(err.code, 'DATASET_BAD_VALUE');
    assert.equal(err.row, 5);
    assert.equal(err.column, '"z"');
    assert.match(err.message, /bad\.csv row 5, column "z": "abc" is not a number/);
    return true;
  });
  const noHeader = rows(10);
  noHeader[6] = '6,,1';
  await assert.rejects(loadDataset({ name: write(dir, 'nh.csv', noHeader), validationFraction: 0.2 }, 1), {
    code: 'DATASET_BAD_VALUE',
    message: /nh\.csv row 7, column 2: "" is not a number/,
  });
});

test('a row with the wrong number of cells, a negative label and an unknown label column are named', async (t) => {
  const dir = tempDir(t);
  const short = rows(10);
  short[3] = '1,2';
  await assert.rejects(loadDataset({ name: write(dir, 's.csv', short), validationFraction: 0.2 }, 1), { code: 'DATASET_BAD_SHAPE', message: /s\.csv row 4 has 2 cells, expected 3/ });
  const neg = rows(10);
  neg[2] = '1,2,-1';
  await assert.rejects(loadDataset({ name: write(dir, 'n.csv', neg), validationFraction: 0.2 }, 1), {
    code: 'DATASET_LABEL_OUT_OF_RANGE',
    message: /n\.csv row 3 has label -1, which is not a class index/,
  });
  await assert.rejects(loadDataset({ name: write(dir, 'c.csv', ['a,b,c', ...rows(5)]), validationFraction: 0.2, labelColumn: 'kind' }, 1), {
    code: 'DATASET_INVALID',
    message: /label column "kind" is not in the header of .*c\.csv \(columns: a, b, c\)/,
  });
});

test('an empty CSV and a header-only CSV are rejected', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(loadDataset({ name: write(dir, 'e.csv', []), validationFraction: 0.2 }, 1), { code: 'DATASET_EMPTY', message: /e\.csv/ });
  await assert.rejects(loadDataset({ name: write(dir, 'h.csv', ['a,b,label']), validationFraction: 0.2, labelColumn: 'label' }, 1), {
    code: 'DATASET_EMPTY',
    message: /h\.csv \(a header and no data rows\)/,
  });
});

test('the CSV reader handles quotes, CRLF, BOM and blank lines and keeps line numbers', () => {
  const records = parseCsvText('\ufeffa,"b,1"\r\n\r\n"x ""y""",2\n"multi\nline",3\n4,');
  assert.deepEqual(
    records.map((r) => [r.line, r.cells]),
    [
      [1, ['a', 'b,1']],
      [3, ['x "y"', '2']],
      [4, ['multi\nline', '3']],
      [6, ['4', '']],
    ],
  );
  assert.deepEqual(parseCsvText('1\t2\n3\t4').map((r) => r.cells), [['1', '2'], ['3', '4']]);
});
