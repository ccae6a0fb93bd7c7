import assert from 'node:assert/strict';
import { test } from 'node:test';

import { compressMask, loadNativeAddon } from '../../../evaluators/kernels/native/index.js';
import { createRng } from '../../../search/rng.js';

// The native Adam kernels (native/src/adam.c, sparse-adam.c) are vectorised; their contract is
// tfjs' float32 arithmetic operation by operation, so every lane must give the bits of the
// scalar IEEE computation. The reference here is that computation in JS: each operation on
// float32 values done in double and rounded once with Math.fround, which is exactly the float32
// result for +, -, *, / and sqrt. Sizes cross the kernels' vector widths, their 512-value
// gather blocks and (dense) the pool's 16K chunks, so a tail or block edge done wrong fails.
const { addon, reason } = loadNativeAddon();
const skip = addon && typeof addon.sparseAdam === 'function' && typeof addon.adam === 'function' ? false : `skipped: ${reason ?? 'the addon predates the Adam kernels'}`;
const f = Math.fround;

interface Hyper { b1: number; b2: number; c1: number; c2: number; eps: number; lr: number; scale?: number; wd?: number }

/** One Adam step on one value, as tfjs' Adam computes it in float32 (and sparse-adam.h's g = dw·scale + w·wd). */
function adamRef(h: Hyper, w: number, g: number, m: number, v: number): [number, number, number] {
  if (h.scale !== undefined) g = f(g * f(h.scale));
  if (h.wd !== undefined) g = f(g + f(w * f(h.wd)));
  const mn = f(f(m * f(h.b1)) + f(g * f(1 - h.b1)));
  const vn = f(f(v * f(h.b2)) + f(f(g * g) * f(1 - h.b2)));
  const den = f(f(Math.sqrt(f(vn / f(h.c2)))) + f(h.eps));
  const wn = f(f(f(f(mn / f(h.c1)) / den) * f(-h.lr)) + w);
  return [wn, mn, vn];
}

const H: Hyper = { b1: 0.9, b2: 0.999, c1: 1 - 0.9 ** 3, c2: 1 - 0.999 ** 3, eps: 1e-7, lr: 1e-3 };

function randoms(n: number, seed: number, spread = 1): Float32Array {
  const r = createRng(seed);
  // Mostly small values with outliers, so the divisions and square roots see a wide range.
  return Float32Array.from({ length: n }, () => (r.next() * 2 - 1) * (r.next() < 0.1 ? 100 * spread : spread));
}

test('native dense Adam: bit-exact against the float32 reference at every length (vector tails, pool chunks)', { skip }, () => {
  for (const n of [1, 7, 16, 17, 33, 1000, 16 * 1024 + 3, 70_001]) {
    const w = randoms(n, n), g = randoms(n, n + 1, 0.01), m = randoms(n, n + 2, 0.001), v = Float32Array.from(randoms(n, n + 3, 1e-4), Math.abs);
    // One heap: w g m v, then the three outputs.
    const heap = new Float32Array(7 * n);
    [w, g, m, v].forEach((a, i) => heap.set(a, i * n));
    const coeffs = Float32Array.of(H.b1, 1 - H.b1, H.b2, 1 - H.b2, H.c1, H.c2, H.eps, -H.lr);
    addon!.adam!(heap, 0, 4 * n, 8 * n, 12 * n, 16 * n, 20 * n, 24 * n, n, coeffs);
    let mismatches = 0;
    for (let i = 0; i < n; i++) {
      const [wn, mn, vn] = adamRef(H, w[i]!, g[i]!, m[i]!, v[i]!);
      if (!Object.is(heap[4 * n + i], wn) || !Object.is(heap[5 * n + i], mn) || !Object.is(heap[6 * n + i], vn)) mismatches++;
    }
    assert.equal(mismatches, 0, `n = ${n}: ${mismatches} values differ from the float32 reference`);
    assert.ok(heap.subarray(4 * n, 5 * n).some((x, i) => x !== w[i]), `n = ${n}: the weights did not move`);
  }
});

test('native dense Adam refuses outputs that overlap its inputs', { skip }, () => {
  const n = 64, heap = new Float32Array(7 * n);
  const coeffs = Float32Array.of(H.b1, 1 - H.b1, H.b2, 1 - H.b2, H.c1, H.c2, H.eps, -H.lr);
  assert.throws(() => addon!.adam!(heap, 0, 4 * n, 8 * n, 12 * n, 0, 20 * n, 24 * n, n, coeffs), /must not overlap/);
  assert.throws(() => addon!.adam!(heap, 0, 4 * n, 8 * n, 12 * n, 16 * n, 16 * n + 4, 24 * n, n, coeffs), /must not overlap/);
});

test('native sparse Adam: bit-exact against the float32 reference at the non-zeros, W untouched off them, both moment layouts, clipping and decay', { skip }, () => {
  // 60 x 90 at ~30% density (≈1,600 non-zeros: three gather blocks and a tail), rows 0 and 7 empty, row 11 full.
  const inputs = 60, outputs = 90, size = inputs * outputs;
  const r = createRng(5);
  const mask = Float32Array.from({ length: size }, (_, i) => {
    const row = Math.floor(i / outputs);
    return row === 0 || row === 7 ? 0 : row === 11 ? 1 : r.next() < 0.3 ? 1 : 0;
  });
  const p = compressMask(mask, inputs, outputs);
  assert.ok(p.nnz > 1024 && p.nnz % 512 !== 0, `nnz ${p.nnz}`);
  for (const compact of [true, false]) {
    for (const extra of [{}, { scale: 0.37, wd: 5e-4 }] as Hyper[]) {
      const h = { ...H, ...extra };
      const w0 = Float32Array.from(randoms(size, 1), (x, i) => x * mask[i]!);
      const dw = Float32Array.from(randoms(size, 2, 0.01), (x, i) => x * mask[i]!);
      const mlen = compact ? p.nnz : size;
      const m = randoms(mlen, 3, 0.001), v = Float32Array.from(randoms(mlen, 4, 1e-4), Math.abs);
      const [m0, v0] = [m.slice(), v.slice()];
      const heap = new Float32Array(2 * size);
      heap.set(w0, 0);
      heap.set(dw, size);
      const hyper = Float64Array.from([h.b1, h.b2, 1 - h.b1, 1 - h.b2, h.c1, h.c2, h.eps, -h.lr, h.scale ?? 1, h.wd ?? 0]);
      const dims = Int32Array.from([inputs, outputs, compact ? 1 : 0, h.scale !== undefined ? 1 : 0, h.wd !== undefined ? 1 : 0]);
      addon!.sparseAdam!(heap, 0, 4 * size, dims, p.iptr, p.iidx, m, v, hyper);
      let mismatches = 0, k = 0;
      for (let i = 0; i < inputs; i++) {
        for (let q = p.iptr[i]!; q < p.iptr[i + 1]!; q++, k++) {
          const at = i * outputs + p.iidx[q]!, s = compact ? k : at;
          const [wn, mn, vn] = adamRef(h, w0[at]!, dw[at]!, m0[s]!, v0[s]!);
          if (!Object.is(heap[at], wn) || !Object.is(m[s], mn) || !Object.is(v[s], vn)) mismatches++;
        }
      }
      const label = `${compact ? 'compact' : 'dense'} moments${h.scale !== undefined ? ', clipping and decay' : ''}`;
      assert.equal(k, p.nnz);
      assert.equal(mismatches, 0, `${label}: ${mismatches} of ${p.nnz} non-zeros differ from the float32 reference`);
      for (let i = 0; i < size; i++) if (mask[i] === 0) assert.ok(Object.is(heap[i], w0[i]) && heap[i] === 0, `${label}: W[${i}] off the mask changed`);
      if (!compact) for (let i = 0; i < size; i++) if (mask[i] === 0) assert.ok(m[i] === m0[i] && v[i] === v0[i], `${label}: a moment off the mask changed`);
    }
  }
});
