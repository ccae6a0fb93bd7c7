import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, dimensionImportance } from '../../search/index.js';

/** Synthetic trials: `width` (numeric) and `act`, `opt` (categorical) drawn at random. */
function trials(n: number, seed: number) {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => ({
    width: [16, 32, 64, 128, 256, 512, 1024][rng.int(0, 6)]!, act: ['relu', 'gelu', 'tanh'][rng.int(0, 2)]!, opt: rng.int(0, 1) === 1,
  }));
}

test('one categorical dimension determines accuracy: its share is ≈ 1, the others ≈ 0', () => {
  const samples = trials(300, 1);
  const acc = samples.map((s) => ({ relu: 0.9, gelu: 0.7, tanh: 0.5 })[s.act]!);
  const imp = dimensionImportance(samples, acc);
  assert.equal(imp[0]!.dimension, 'act');
  assert.ok(Math.abs(imp[0]!.eta2 - 1) < 1e-9, String(imp[0]!.eta2));
  assert.ok(imp[0]!.share > 0.99, JSON.stringify(imp));
  for (const d of imp.slice(1)) assert.ok(d.share < 0.01 && d.eta2 < 0.05, JSON.stringify(d));
});

test('a numeric dimension (binned) that determines accuracy with noise gets most of the share; η² of a random dimension stays small', () => {
  const samples = trials(200, 2);
  const rng = createRng(9);
  const acc = samples.map((s) => 0.5 + 0.05 * Math.log2(s.width) + 0.002 * (rng.next() - 0.5));
  const imp = dimensionImportance(samples, acc);
  assert.equal(imp[0]!.dimension, 'width');
  assert.ok(imp[0]!.eta2 > 0.95 && imp[0]!.share > 0.95, JSON.stringify(imp));
  assert.ok(imp[0]!.groups <= 5);
});

test('two dimensions with known shares: accuracy = a + b with variances 3:1 → shares ≈ 0.75 / 0.25', () => {
  // A full factorial design (every combination equally often), so the main effects are orthogonal.
  const samples: { a: number; b: string }[] = [];
  for (let rep = 0; rep < 10; rep++) for (const a of [0, 1]) for (const b of ['x', 'y']) samples.push({ a, b });
  const acc = samples.map((s) => Math.sqrt(3) * s.a + (s.b === 'y' ? 1 : 0));
  const imp = dimensionImportance(samples, acc);
  assert.deepEqual(imp.map((d) => d.dimension), ['a', 'b']);
  assert.ok(Math.abs(imp[0]!.eta2 - 0.75) < 1e-9 && Math.abs(imp[1]!.eta2 - 0.25) < 1e-9, JSON.stringify(imp));
  assert.ok(Math.abs(imp[0]!.share - 0.75) < 0.03, JSON.stringify(imp));
});

test('constant dimensions and too few trials give nothing; a constant metric gives zero shares', () => {
  assert.deepEqual(dimensionImportance([{ a: 1 }, { a: 2 }], [0.1, 0.2]), []);
  assert.deepEqual(dimensionImportance([{ a: 1, c: 'k' }, { a: 2, c: 'k' }, { a: 1, c: 'k' }], [0.1, 0.2, 0.1]).map((d) => d.dimension), ['a']);
  const flat = dimensionImportance([{ a: 1 }, { a: 2 }, { a: 3 }], [0.5, 0.5, 0.5]);
  assert.deepEqual(flat.map((d) => [d.eta2, d.share]), [[0, 0]]);
});
