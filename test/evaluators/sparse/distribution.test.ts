import { test } from 'node:test';
import assert from 'node:assert/strict';
import { erkDensities, layerSparsities, type LayerBudget } from '../../../evaluators/sparse/index.js';

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const zerosOf = (layers: readonly LayerBudget[], s: number[]) => layers.reduce((acc, l, i) => acc + Math.round(s[i]! * size(l.shape)), 0);

const NET: LayerBudget[] = [
  { name: 'conv_0', shape: [3, 3, 3, 16], role: 'first' },
  { name: 'conv_1', shape: [3, 3, 16, 32], role: 'hidden' },
  { name: 'dense_2', shape: [2048, 256], role: 'hidden' },
  { name: 'dense_3', shape: [256, 10], role: 'classifier' },
];

test('ERK hits the global zero count exactly and caps densities at 1', () => {
  for (const level of [0.5, 0.8, 0.9, 0.98]) {
    const s = layerSparsities(NET, { level, distribution: 'erk' });
    const total = NET.reduce((a, l) => a + size(l.shape), 0);
    assert.equal(zerosOf(NET, s), Math.round(level * total), `level ${level}`);
    for (const x of s) assert.ok(x >= 0 && x < 1);
  }
  // At 0.5 the small first conv and the classifier would exceed density 1: they become dense.
  const half = layerSparsities(NET, { level: 0.5, distribution: 'erk' });
  assert.equal(half[0], 0);
  assert.equal(half[3], 0);
  assert.ok(half[2]! > 0.5);
  const s = layerSparsities(NET, { level: 0.9, distribution: 'erk' });
  assert.ok(s[1]! > 0 && s[2]! > 0);
  // The uncapped layers keep the ERK ratio (Σ dims / Π dims) between them.
  const raw = (sh: readonly number[]) => sh.reduce((a, b) => a + b, 0) / size(sh);
  const ratio = (1 - s[1]!) / (1 - s[2]!);
  assert.ok(Math.abs(ratio / (raw(NET[1]!.shape) / raw(NET[2]!.shape)) - 1) < 1e-3, `ratio ${ratio}`);
});

test('ERK re-solves the scale after capping: densities are ε·raw for the rest', () => {
  const shapes = [[4, 4], [1000, 1000]];
  const d = erkDensities(shapes, shapes.map(size), 0.9);
  assert.equal(d[0], 1);
  const ones = d.reduce((a, x, i) => a + x * size(shapes[i]!), 0);
  assert.ok(Math.abs(ones - 0.1 * (16 + 1e6)) < 1e-6);
});

test('uniform gives every sparsifiable layer the level', () => {
  const s = layerSparsities(NET, { level: 0.7, distribution: 'uniform' });
  assert.deepEqual(s, [0.7, 0.7, 0.7, 0.7]);
});

test('keepFirstDense / keepLastDense take first and classifier out of the budget', () => {
  for (const distribution of ['uniform', 'erk'] as const) {
    const s = layerSparsities(NET, { level: 0.9, distribution, keepFirstDense: true, keepLastDense: true });
    assert.equal(s[0], 0);
    assert.equal(s[3], 0);
    const inner = NET.slice(1, 3);
    assert.equal(zerosOf(inner, s.slice(1, 3)), distribution === 'erk' ? Math.round(0.9 * inner.reduce((a, l) => a + size(l.shape), 0)) : zerosOf(inner, [0.9, 0.9]));
  }
});

test('a per-layer override wins over keep-dense and the distribution, and is outside the budget', () => {
  const layers = NET.map((l, i) => (i === 0 ? { ...l, sparsityOverride: 0.3 } : i === 2 ? { ...l, sparsityOverride: 0 } : l));
  const s = layerSparsities(layers, { level: 0.8, distribution: 'erk', keepFirstDense: true });
  assert.equal(s[0], 0.3);
  assert.equal(s[2], 0);
  const rest = [layers[1]!, layers[3]!];
  assert.equal(zerosOf(rest, [s[1]!, s[3]!]), Math.round(0.8 * rest.reduce((a, l) => a + size(l.shape), 0)));
  assert.throws(() => layerSparsities([{ ...NET[1]!, sparsityOverride: 1 }], { level: 0.5, distribution: 'uniform' }), /conv_1/);
});
