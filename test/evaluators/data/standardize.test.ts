import assert from 'node:assert/strict';
import { test } from 'node:test';
import { standardize, type Dataset } from '../../../evaluators/data/index.js';

const split = (values: number[]) => ({ x: Float32Array.from(values), y: new Int32Array(values.length / 2), count: values.length / 2 });

test('standardize uses training statistics per channel and applies them to every split', () => {
  // two channels: channel 0 is 0,1,0,1 (mean 0.5, std 0.5); channel 1 is constant 0.3
  const d: Dataset = {
    name: 't',
    shape: [1, 2, 2],
    classes: 2,
    train: split([0, 0.3, 1, 0.3, 0, 0.3, 1, 0.3]),
    validation: split([0.5, 0.3]),
    test: split([1.5, 0.8]),
    checksums: {},
    source: 'memory',
  };
  const s = standardize(d);
  assert.deepEqual(s.mean.map((m) => +m.toFixed(6)), [0.5, 0.3]);
  assert.deepEqual(s.std.map((v) => +v.toFixed(6)), [0.5, 1]);
  assert.deepEqual(Array.from(d.train.x).map((v) => +v.toFixed(5)), [-1, 0, 1, 0, -1, 0, 1, 0]);
  assert.deepEqual(Array.from(d.validation.x).map((v) => +v.toFixed(5)), [0, 0]);
  assert.deepEqual(Array.from(d.test.x).map((v) => +v.toFixed(5)), [2, 0.5]);
});
