import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../../search/index.js';
import { ksupportR, ksupportSquared, sortedAbsDescending, suffixSums, topKSquares, WgsefMethodError } from '../../../../evaluators/methods/wgsef/index.js';
import { ksupportSquaredVariational, randomVector } from './brute-force.js';

const l2sq = (u: ArrayLike<number>): number => Array.from(u).reduce((s, x) => s + x * x, 0);
const l1 = (u: ArrayLike<number>): number => Array.from(u).reduce((s, x) => s + Math.abs(x), 0);

test('closed form agrees with the variational definition (box-norm) on random vectors, m ≤ 6, every k', () => {
  const rng = createRng(11);
  for (let trial = 0; trial < 60; trial++) {
    const m = rng.int(2, 6);
    const u = randomVector(rng, m, trial % 3 === 0 ? 0.3 : 0);
    for (let k = 1; k <= m; k++) {
      const closed = ksupportSquared(u, k);
      const brute = ksupportSquaredVariational(u, k);
      assert.ok(Math.abs(closed - brute) <= 1e-9 * Math.max(1, brute), `m=${m} k=${k} u=${Array.from(u)} closed=${closed} brute=${brute}`);
    }
  }
});

test('exactly one r in {0..k−1} satisfies the defining inequalities, and it is the one used', () => {
  const rng = createRng(12);
  for (let trial = 0; trial < 200; trial++) {
    const m = rng.int(2, 9);
    const u = randomVector(rng, m);
    const z = sortedAbsDescending(u);
    const suffix = suffixSums(z);
    for (let k = 1; k < m; k++) {
      const valid: number[] = [];
      for (let r = 0; r < k; r++) {
        const left = k - r - 1 === 0 ? Infinity : z[k - r - 2]!;
        const avg = suffix[k - r - 1]! / (r + 1);
        if (left > avg && avg >= z[k - r - 1]!) valid.push(r);
      }
      assert.deepEqual(valid, [ksupportR(z, suffix, k)], `u=${Array.from(u)} k=${k}`);
    }
  }
});

test('special cases: k = 1 is ‖u‖₁², k ≥ m is ‖u‖₂², the dual pairing ⟨u, y⟩ ≤ ‖u‖·‖y‖_(k)', () => {
  const rng = createRng(13);
  for (let trial = 0; trial < 50; trial++) {
    const m = rng.int(1, 12);
    const u = randomVector(rng, m);
    assert.ok(Math.abs(ksupportSquared(u, 1) - l1(u) ** 2) <= 1e-12 * l1(u) ** 2);
    assert.equal(ksupportSquared(u, m), l2sq(u));
    assert.equal(ksupportSquared(u, m + 3), l2sq(u));
    for (let k = 1; k <= m; k++) {
      const y = randomVector(rng, m);
      const dot = Array.from(u).reduce((s, x, i) => s + x * y[i]!, 0);
      assert.ok(dot <= Math.sqrt(ksupportSquared(u, k) * topKSquares(y, k)) + 1e-12);
    }
  }
});

test('‖u‖^{sp}_k ≥ ‖u‖₂, with equality exactly when u has at most k non-zeros; non-increasing in k', () => {
  const rng = createRng(14);
  for (let trial = 0; trial < 300; trial++) {
    const m = rng.int(2, 10);
    const u = randomVector(rng, m, 0.4);
    const nnz = Array.from(u).filter((x) => x !== 0).length;
    let prev = Infinity;
    for (let k = 1; k <= m; k++) {
      const sp = ksupportSquared(u, k);
      const gap = sp - l2sq(u);
      if (nnz <= k) assert.ok(Math.abs(gap) <= 1e-12 * Math.max(1, l2sq(u)), `nnz=${nnz} k=${k} gap=${gap}`);
      else assert.ok(gap > 1e-12, `nnz=${nnz} k=${k} gap=${gap}`);
      assert.ok(sp <= prev + 1e-12);
      prev = sp;
    }
  }
});

test('ties, zeros, signs and scaling', () => {
  assert.equal(ksupportSquared([0, 0, 0], 2), 0);
  // all equal: (Σ|u|)²/(r+1) with r = k−1 → m²/k for unit entries
  assert.ok(Math.abs(ksupportSquared([1, -1, 1, -1], 2) - 16 / 2) < 1e-12);
  assert.ok(Math.abs(ksupportSquared([3, 3, 1], 2) - ksupportSquaredVariational([3, 3, 1], 2)) < 1e-9);
  const u = [0.5, -2, 1.25, 0, 3];
  assert.ok(Math.abs(ksupportSquared(u.map((x) => -4 * x), 3) - 16 * ksupportSquared(u, 3)) < 1e-9);
  assert.throws(() => ksupportSquared(u, 0), WgsefMethodError);
  assert.throws(() => ksupportSquared(u, 1.5), WgsefMethodError);
});
