import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linearScale, logScale } from '../../../cli/report/svg/scale.js';

test('linear scale: nice bounds and ticks, maps the domain onto the range (inverted for y)', () => {
  const y = linearScale([0.79, 0.88], 328, 36);
  assert.deepEqual(y.domain, [0.78, 0.88]);
  assert.deepEqual(y.ticks, [0.78, 0.8, 0.82, 0.84, 0.86, 0.88]);
  assert.equal(y(0.78), 328);
  assert.equal(y(0.88), 36);
  assert.deepEqual(linearScale([5, 5], 0, 100).domain, [4.7, 5.3]); // one value still gets an axis
});

test('log scale: decades around the data, with 2× and 5× marks when the span is short', () => {
  const x = logScale([120_000, 1_000_000], 0, 100);
  assert.deepEqual(x.domain, [1e5, 1e6]);
  assert.deepEqual(x.ticks, [1e5, 2e5, 5e5, 1e6]);
  assert.equal(x(1e5), 0);
  assert.equal(x(1e6), 100);
  assert.ok(Math.abs(x(10 ** 5.5) - 50) < 1e-9);
  assert.deepEqual(logScale([10, 1e6], 0, 1).ticks, [10, 100, 1e3, 1e4, 1e5, 1e6]);
  assert.deepEqual(logScale([0, -1, 1000], 0, 1).domain, [100, 10_000]); // non-positive values ignored
});
