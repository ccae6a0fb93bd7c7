import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holdOutTest, largestRemainder, planTrainValidation } from '../../../evaluators/data/split-plan.js';

const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 500 ? 0 : i < 800 ? 1 : 2)); // 50% / 30% / 20%

const countOf = (idx: number[], c: number) => idx.filter((i) => labels[i] === c).length;

test('largestRemainder gives exact totals proportional to the weights', () => {
  assert.deepEqual(largestRemainder([500, 300, 200], 100), [50, 30, 20]);
  assert.deepEqual(largestRemainder([1, 1, 1], 2), [1, 1, 0]);
  assert.equal(largestRemainder([7, 13, 5, 2], 11).reduce((a, b) => a + b), 11);
  assert.deepEqual(largestRemainder([0, 0], 0), [0, 0]);
});

test('train and validation are disjoint, cover the pool, stratified, and reproducible by seed', () => {
  const a = planTrainValidation(labels, 3, { validationFraction: 0.2, seed: 5 }, 'x');
  const b = planTrainValidation(labels, 3, { validationFraction: 0.2, seed: 5 }, 'x');
  const c = planTrainValidation(labels, 3, { validationFraction: 0.2, seed: 6 }, 'x');
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.validation, c.validation);
  assert.equal(a.validation.length, 200);
  assert.equal(new Set([...a.train, ...a.validation]).size, 1000);
  assert.deepEqual([0, 1, 2].map((k) => countOf(a.validation, k)), [100, 60, 40]);
});

test('subset N keeps N samples stratified by class, reproducibly', () => {
  const a = planTrainValidation(labels, 3, { validationFraction: 0.1, subset: 100, seed: 3 }, 'x');
  const b = planTrainValidation(labels, 3, { validationFraction: 0.1, subset: 100, seed: 3 }, 'x');
  const c = planTrainValidation(labels, 3, { validationFraction: 0.1, subset: 100, seed: 4 }, 'x');
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.train, c.train);
  const all = [...a.train, ...a.validation];
  assert.equal(all.length, 100);
  assert.equal(new Set(all).size, 100);
  assert.deepEqual([0, 1, 2].map((k) => countOf(all, k)), [50, 30, 20]);
  assert.equal(a.validation.length, 10);
});

test('a subset larger than the pool keeps the whole pool', () => {
  const a = planTrainValidation(labels, 3, { validationFraction: 0.1, subset: 5000, seed: 3 }, 'x');
  assert.equal(a.train.length + a.validation.length, 1000);
});

test('a tiny validation fraction still leaves one sample on each side; too few samples is an error', () => {
  const a = planTrainValidation(labels, 3, { validationFraction: 0.0001, seed: 1 }, 'x');
  assert.equal(a.validation.length, 1);
  assert.throws(() => planTrainValidation(labels, 3, { validationFraction: 0.5, subset: 1, seed: 1 }, 'tiny.csv'), {
    code: 'DATASET_INVALID',
    message: /tiny\.csv has 1 training sample/,
  });
});

test('the test hold-out does not depend on any seed and is disjoint from the pool', () => {
  const a = holdOutTest(labels, 3, 100);
  assert.deepEqual(a, holdOutTest(labels, 3, 100));
  assert.equal(a.test.length, 100);
  assert.equal(new Set([...a.pool, ...a.test]).size, 1000);
  assert.deepEqual([0, 1, 2].map((k) => countOf(a.test, k)), [50, 30, 20]);
});
