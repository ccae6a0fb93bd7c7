import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, type Rng } from '../../../search/index.js';
import { selectLargest, selectRandom, selectSmallest } from '../../../evaluators/sparse/index.js';
import {
  kthSmallest, positionsWhere, positionsWhereInt32, selectLargestMagnitude, selectLargestPositions, selectRandomPositions,
  selectSmallestMagnitude, selectSmallestPositions, zeroPositionsAllowed,
} from '../../../evaluators/sparse/selection.js';
import { refPositionsWhere, refSelectLargest, refSelectRandom, refSelectSmallest } from './reference-masks.js';

/** Scores with many ties: a few distinct values (both zeros among them), optionally NaN and ±Infinity. */
function tiedScores(rng: Rng, n: number, distinct: number, specials: boolean): Float32Array {
  const levels = Array.from({ length: distinct }, (_, i) => (i === 0 ? 0 : i === 1 ? -0 : Math.fround(rng.normal())));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng.next();
    out[i] = specials && u < 0.02 ? NaN : specials && u < 0.03 ? (u < 0.025 ? Infinity : -Infinity) : levels[Math.floor(rng.next() * levels.length)]!;
  }
  return out;
}

/** A random subset of 0..n-1: in index order, shuffled, or with repeats. */
function candidatesOf(rng: Rng, n: number, keep: number, order: 'sorted' | 'shuffled' | 'repeats'): number[] {
  const all = rng.shuffle([...Array(n).keys()]).slice(0, Math.round(keep * n));
  if (order === 'sorted') return all.sort((a, b) => a - b);
  if (order === 'repeats') return all.concat(all.slice(0, Math.floor(all.length / 3)));
  return all;
}

/** Same output, same order, same rng state after: the fast path is the reference, draw for draw. */
function assertSameDraws(seed: number, run: (rng: Rng) => ArrayLike<number>, reference: (rng: Rng) => number[], what: string): void {
  const a = createRng(seed);
  const b = createRng(seed);
  const got = Array.from(run(a));
  const want = reference(b);
  assert.deepEqual(got, want, what);
  assert.equal(a.state(), b.state(), `${what}: rng draws`);
}

test('selectSmallest/selectLargest/selectRandom equal the sorting reference on tied, NaN and infinite scores, every k', () => {
  const gen = createRng(77);
  let cases = 0;
  for (const n of [0, 1, 2, 5, 17, 40, 300, 2000]) {
    for (const distinct of [1, 2, 3, 8, 1000]) {
      for (const specials of [false, true]) {
        for (const order of ['sorted', 'shuffled', 'repeats'] as const) {
          const scores = tiedScores(gen, n, distinct, specials);
          const cand = candidatesOf(gen, n, gen.next() < 0.5 ? 1 : 0.6, order);
          const ks = [...new Set([0, 1, cand.length - 1, cand.length, cand.length + 3, Math.floor(cand.length / 2), gen.int(0, cand.length + 1)])].filter((k) => k >= 0);
          for (const k of ks) {
            const seed = gen.int(0, 1e9);
            const what = `n=${n} distinct=${distinct} specials=${specials} ${order} k=${k}`;
            const i32 = Int32Array.from(cand);
            assertSameDraws(seed, (r) => selectSmallest(scores, cand, k, r), (r) => refSelectSmallest(scores, cand, k, r), `smallest ${what}`);
            assertSameDraws(seed, (r) => selectLargest(scores, cand, k, r), (r) => refSelectLargest(scores, cand, k, r), `largest ${what}`);
            assertSameDraws(seed, (r) => selectRandom(cand, k, r), (r) => refSelectRandom(cand, k, r), `random ${what}`);
            assertSameDraws(seed, (r) => selectSmallestPositions(scores, i32, k, r), (r) => refSelectSmallest(scores, cand, k, r), `smallest i32 ${what}`);
            assertSameDraws(seed, (r) => selectLargestPositions(scores, i32, k, r), (r) => refSelectLargest(scores, cand, k, r), `largest i32 ${what}`);
            const abs = scores.map(Math.abs);
            assertSameDraws(seed, (r) => selectSmallestMagnitude(scores, i32, k, r), (r) => refSelectSmallest(abs, cand, k, r), `|smallest| ${what}`);
            assertSameDraws(seed, (r) => selectLargestMagnitude(scores, i32, k, r), (r) => refSelectLargest(abs, cand, k, r), `|largest| ${what}`);
            assertSameDraws(seed, (r) => selectRandomPositions(i32, k, r), (r) => refSelectRandom(cand, k, r), `random i32 ${what}`);
            assert.deepEqual(Array.from(i32), cand, 'the candidates are not modified');
            cases++;
          }
        }
      }
    }
  }
  assert.ok(cases > 1000, `${cases} cases`);
});

test('selection on 10^5-element layers equals the reference (RigL drop/grow and SET sizes, all-zero scores)', () => {
  const gen = createRng(5);
  const n = 100_000;
  const w = Float32Array.from({ length: n }, () => (gen.next() < 0.3 ? 0 : Math.fround(gen.normal() * 0.05)));
  const active = refPositionsWhere(w, true);
  const inactive = refPositionsWhere(w, false);
  const zeros = new Float32Array(n);
  const abs = w.map(Math.abs);
  for (const k of [0, 1, 3000, Math.floor(0.3 * active.length), active.length - 1]) {
    assertSameDraws(k + 1, (r) => selectSmallestMagnitude(w, Int32Array.from(active), k, r), (r) => refSelectSmallest(abs, active, k, r), `drop k=${k}`);
    assertSameDraws(k + 2, (r) => selectLargestPositions(abs, Int32Array.from(inactive), k, r), (r) => refSelectLargest(abs, inactive, k, r), `grow k=${k}`);
    assertSameDraws(k + 3, (r) => selectSmallestPositions(zeros, Int32Array.from(active), k, r), (r) => refSelectSmallest(zeros, active, k, r), `all ties k=${k}`);
    assertSameDraws(k + 4, (r) => selectRandomPositions(Int32Array.from(inactive), k, r), (r) => refSelectRandom(inactive, k, r), `random k=${k}`);
  }
  // Magnitude init at 90%: threshold near the top, keys already sorted ascending and descending.
  const all = [...Array(n).keys()];
  const ramp = Float64Array.from(all, (i) => i % 977);
  const up = Float64Array.from(all);
  const down = Float64Array.from(all, (i) => n - i);
  for (const s of [abs, ramp, up, down]) {
    assertSameDraws(9, (r) => selectSmallestPositions(s, Int32Array.from(all), 90_000, r), (r) => refSelectSmallest(s, all, 90_000, r), 'init 90%');
  }
});

test('kthSmallest is the sorted order with NaN last, on any input', () => {
  const gen = createRng(3);
  for (let c = 0; c < 400; c++) {
    const n = gen.int(1, 300);
    const pool = [0, -0, 1, -1, NaN, Infinity, -Infinity, 2.5];
    const keys = Float64Array.from({ length: n }, () => (gen.next() < 0.5 ? pool[gen.int(0, pool.length - 1)]! : gen.normal()));
    const copy = keys.slice();
    const sorted = keys.slice().sort();
    const r = gen.int(0, n - 1);
    const got = kthSmallest(keys, r);
    const want = sorted[r]!;
    assert.ok(Number.isNaN(want) ? Number.isNaN(got) : got === want, `rank ${r} of ${n}: ${got} vs ${want}`);
    assert.deepEqual(keys, copy, 'input untouched');
  }
});

test('positions: positionsWhere, positionsWhereInt32 and zeroPositionsAllowed equal the index-order filters', () => {
  const gen = createRng(8);
  for (const n of [0, 1, 9, 1000]) {
    const v = Float32Array.from({ length: n }, () => (gen.next() < 0.5 ? 0 : gen.next() < 0.5 ? -0 : 1));
    const allowed = Float32Array.from({ length: n }, () => (gen.next() < 0.3 ? 0 : 1));
    for (const active of [true, false]) {
      assert.deepEqual(positionsWhere(v, active), refPositionsWhere(v, active));
      assert.deepEqual(Array.from(positionsWhereInt32(v, active)), refPositionsWhere(v, active));
    }
    assert.deepEqual(Array.from(zeroPositionsAllowed(v)), refPositionsWhere(v, false));
    assert.deepEqual(Array.from(zeroPositionsAllowed(v, allowed)), refPositionsWhere(v, false).filter((i) => allowed[i] === 1));
  }
});

test('selection rejects a bad count and non-position candidates, naming them', () => {
  const rng = createRng(1);
  assert.throws(() => selectSmallest([1, 2], [0, 1], 1.5, rng), /selection count must be a non-negative integer, got 1.5/);
  assert.throws(() => selectRandom([0, 1], -1, rng), /got -1/);
  assert.throws(() => selectLargest([1, 2], [0, 0.5], 1, rng), /candidate 1 is 0.5/);
});
