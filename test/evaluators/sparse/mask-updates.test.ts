import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, type Rng } from '../../../search/index.js';
import { topologyStep } from '../../../evaluators/sparse/dynamic-method.js';
import { initialUnitMask, pruneActiveUnits } from '../../../evaluators/sparse/unit-masks.js';
import { unitLayout } from '../../../evaluators/sparse/units.js';
import { refInitialUnitMask, refPruneActiveUnits, refTopologyStep } from './reference-masks.js';

/**
 * The typed-array mask decisions (RigL/SET's topology step, initial and GMP unit masks) equal the
 * number[] implementations they replaced, kept in reference-masks.ts: same masks, same weights,
 * same positions in the same order and the same rng draws, on random layers with ties (zeros,
 * repeated values), structural zeros (`allowed`) and every drop fraction from k = 0 to all.
 */

/** Weights with ties: a share of exact zeros and a few repeated values among normals. */
function tiedWeights(rng: Rng, n: number): Float32Array {
  const levels = [0.5, -0.5, 0.25, -0];
  return Float32Array.from({ length: n }, () => {
    const u = rng.next();
    return u < 0.2 ? 0 : u < 0.4 ? levels[rng.int(0, levels.length - 1)]! : Math.fround(rng.normal() * 0.1);
  });
}

function randomMask(rng: Rng, n: number, density: number, allowed?: Float32Array): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (allowed && allowed[i] === 0 ? 0 : rng.next() < density ? 1 : 0));
}

test('topologyStep equals the previous RigL/SET update: masks, weights, dropped/grown in order, rng draws', () => {
  const gen = createRng(15);
  let cases = 0;
  for (const n of [1, 2, 7, 64, 1000, 20_000]) {
    for (const structural of [false, true]) {
      for (const grow of ['gradient', 'random'] as const) {
        for (const f of [0, 0.01, 0.3, 0.5, 1]) {
          for (const density of [0, 0.1, 0.5, 1]) {
            const allowed = structural ? Float32Array.from({ length: n }, () => (gen.next() < 0.25 ? 0 : 1)) : undefined;
            const mask = randomMask(gen, n, density, allowed);
            // Inactive weights are usually 0 but need not be (grown ones must then be zeroed).
            const w = tiedWeights(gen, n);
            const grad = grow === 'gradient' ? tiedWeights(gen, n) : undefined;
            const wCopy = w.slice();
            const maskCopy = mask.slice();
            const seed = gen.int(0, 1e9);
            const a = createRng(seed);
            const b = createRng(seed);
            const got = topologyStep(w, mask, allowed, f, grad, a);
            const want = refTopologyStep(w, mask, allowed, f, grad, b);
            const what = `n=${n} structural=${structural} ${grow} f=${f} density=${density}`;
            assert.deepEqual(Array.from(got.dropped), want.dropped, `dropped ${what}`);
            assert.deepEqual(Array.from(got.grown), want.grown, `grown ${what}`);
            assert.deepEqual(got.mask, want.mask, `mask ${what}`);
            assert.deepEqual(got.weight ?? w, want.weight, `weights ${what}`);
            assert.equal(a.state(), b.state(), `rng draws ${what}`);
            assert.deepEqual(w, wCopy, 'weights read only');
            assert.deepEqual(mask, maskCopy, 'mask read only');
            cases++;
          }
        }
      }
    }
  }
  assert.ok(cases >= 400, `${cases} cases`);
});

test('topologyStep copies the weights only when a grown weight was not 0', () => {
  const w = Float32Array.from([0.9, 0.1, 0, 0]);
  const mask = Float32Array.from([1, 1, 0, 0]);
  const grad = Float32Array.from([0, 0, 5, 1]);
  const u = topologyStep(w, mask, undefined, 0.5, grad, createRng(1));
  assert.deepEqual(Array.from(u.dropped), [1]);
  assert.deepEqual(Array.from(u.grown), [2]);
  assert.equal(u.weight, undefined, 'the grown weight was already 0');
  const stale = topologyStep(Float32Array.from([0.9, 0.1, 0.7, 0]), mask, undefined, 0.5, grad, createRng(1));
  assert.deepEqual(stale.weight, Float32Array.from([0.9, 0.1, 0, 0]));
});

test('initialUnitMask and pruneActiveUnits equal the previous implementations (weights and groups, structural zeros, every count)', () => {
  const gen = createRng(16);
  let cases = 0;
  for (const shape of [[1], [7], [30, 20], [3, 3, 4, 8], [200, 100]]) {
    const axes: (number | null)[] = [null, 0, shape.length - 1];
    for (const axis of axes) {
      const layout = unitLayout(shape, axis);
      const n = layout.unitOf.length;
      for (const structural of [false, true]) {
        const allowed = structural ? Float32Array.from({ length: n }, () => (gen.next() < 0.3 ? 0 : 1)) : undefined;
        const w = tiedWeights(gen, n);
        for (const pruned of [...new Set([0, 1, Math.floor(layout.count / 2), Math.round(0.9 * layout.count), layout.count, layout.count + 2])]) {
          for (const init of ['magnitude', 'random'] as const) {
            const seed = gen.int(0, 1e9);
            const a = createRng(seed);
            const b = createRng(seed);
            const what = `shape=${shape} axis=${axis} structural=${structural} pruned=${pruned} ${init}`;
            assert.deepEqual(initialUnitMask(w, layout, pruned, init, a, allowed), refInitialUnitMask(w, layout, pruned, init, b, allowed), `init ${what}`);
            assert.equal(a.state(), b.state(), `init rng ${what}`);
          }
          const mask = randomMask(gen, n, 0.7, allowed);
          const seed = gen.int(0, 1e9);
          const a = createRng(seed);
          const b = createRng(seed);
          const what = `shape=${shape} axis=${axis} structural=${structural} pruned=${pruned}`;
          assert.deepEqual(pruneActiveUnits(w, mask, layout, pruned, a), refPruneActiveUnits(w, mask, layout, pruned, b), `prune ${what}`);
          assert.equal(a.state(), b.state(), `prune rng ${what}`);
          cases++;
        }
      }
    }
  }
  assert.ok(cases >= 100, `${cases} cases`);
});
