import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressBar, sparkline } from '../../../cli/format/index.js';

test('sparkline scales between min and max and keeps the last width values', () => {
  assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8), '▁▂▃▄▅▆▇█');
  assert.equal(sparkline([3, 1, 2], 2), '▁█');
  assert.equal(sparkline([2, 2, 2], 5), '▄▄▄');
  assert.equal(sparkline([1, Number.NaN, 0], 5), '█▁');
  assert.equal(sparkline([], 5), '');
});

test('progress bar: eighth-block resolution, always the requested width, clamped', () => {
  assert.equal(progressBar(0, 4), '░░░░');
  assert.equal(progressBar(1, 4), '████');
  assert.equal(progressBar(0.5, 4), '██░░');
  assert.equal(progressBar(0.5625, 4), '██▎░');
  assert.equal(progressBar(2, 3), '███');
  for (const f of [0.01, 0.33, 0.99]) assert.equal([...progressBar(f, 10)].length, 10);
});
