import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DENSE_SPARSITY, createRng } from '../../../search/index.js';
import type { Architecture } from '../../../search/index.js';
import { countArchitecture } from '../../../spaces/index.js';
import { SPARSE_IFT_FAMILIES, applySparseIft, branches, dopedRank, factorizedWidth } from '../../../strategies/sparse-ift/index.js';

// A CNN whose middle layer is the paper's worked example: 3×3 conv 64 → 64.
const cnn: Architecture = { family: 'cnn', input: 'image', sparsity: DENSE_SPARSITY, layers: [
  { type: 'conv2d', name: 'stem', filters: 64, kernel: 3, padding: 'same', activation: 'relu' },
  { type: 'conv2d', name: 'mid', filters: 64, kernel: 3, padding: 'same', activation: 'relu' },
  { type: 'globalAvgPool' },
] };
const mlp: Architecture = { family: 'mlp', input: 'flat', sparsity: DENSE_SPARSITY, layers: [
  { type: 'dense', name: 'd0', units: 256, activation: 'relu' }, { type: 'dense', name: 'd1', units: 256, activation: 'relu' },
  { type: 'dense', name: 'd2', units: 128, activation: 'relu' },
] };

describe('Sparse-IFT worked numbers (3×3 conv 64 → 64)', () => {
  const cases = [[0.5, 1.414, 2, 116, 28], [0.75, 2, 4, 231, 43], [0.9, 3.162, 10, 576, 51]] as const;
  for (const [s, width, b, d, r] of cases) {
    it(`s = ${s}: width ×${width}, ${b} branches, d = ${d}, r = ${r}`, () => {
      assert.equal(Math.round(Math.sqrt(branches(s)) * 1000) / 1000, width);
      assert.equal(branches(s), b);
      assert.equal(factorizedWidth(3, 64, 64, s), d);
      assert.equal(dopedRank(3, 64, 64, s), r);
    });
  }
});

/** FLOPs of the layers that replace `mid` must equal the dense `mid` (within rounding of d and r). */
describe('iso-FLOP property', () => {
  for (const s of [0.5, 0.75, 0.9]) {
    for (const family of SPARSE_IFT_FAMILIES) {
      for (const [name, arch, shape, keepFirstDense] of [['cnn', cnn, [8, 8, 3], true], ['mlp', mlp, [28, 28, 1], false]] as const) {
        it(`${family} at s = ${s} on the ${name} matches the dense network's FLOPs`, () => {
          const dense = countArchitecture(arch, [...shape], 10).denseFlops;
          const t = applySparseIft(arch, family, s, { inputShape: [...shape], classes: 10, keepFirstDense });
          const sparse = countArchitecture(t, [...shape], 10).sparseFlops;
          // parallel is exact; factorized (ceil) and doped (floor) round one width; wide is solved to 1e-3.
          const tol = family === 'parallel' ? 1e-9 : family === 'wide' ? 1e-3 : 0.02;
          assert.ok(Math.abs(sparse - dense) / dense <= tol, `${family}: sparse ${sparse} vs dense ${dense}`);
        });
      }
    }
  }

  it('holds for random dense shapes (parallel exactly, factorized/doped within one unit of width)', () => {
    const rng = createRng(5);
    for (let i = 0; i < 50; i++) {
      const din = rng.int(8, 512), dout = rng.int(8, 512), s = rng.pick([0.5, 0.75, 0.9]);
      const arch: Architecture = { family: 'mlp', input: 'flat', sparsity: DENSE_SPARSITY, layers: [
        { type: 'dense', name: 'first', units: din }, { type: 'dense', name: 'x', units: dout }] };
      const base = countArchitecture(arch, [din], 2).layers.find((l) => l.name === 'x')!.denseFlops;
      for (const family of ['parallel', 'factorized', 'doped'] as const) {
        const t = countArchitecture(applySparseIft(arch, family, s, { inputShape: [din], classes: 2 }), [din], 2);
        const replaced = t.layers.filter((l) => l.name.startsWith('x')).reduce((a, l) => a + l.sparseFlops, 0);
        const unit = 2 * (din + dout); // FLOPs of one unit of d or r
        assert.ok(Math.abs(replaced - base) <= (family === 'parallel' ? 1e-6 : unit + 1e-6), `${family} ${din}→${dout} s=${s}: ${replaced} vs ${base}`);
      }
    }
  });

  it('refuses Sparse Wide when a dense first layer alone exceeds the budget, naming the fix', () => {
    assert.throws(() => applySparseIft(mlp, 'wide', 0.9, { inputShape: [784], classes: 10 }), /keepFirstDense: false/);
  });

  it('keeps the first layer and the classifier dense', () => {
    const t = applySparseIft(mlp, 'parallel', 0.75, { inputShape: [784], classes: 10 });
    const c = countArchitecture(t, [784], 10);
    assert.equal(c.layers[0]!.sparsity, 0);
    assert.equal(c.layers.at(-1)!.sparsity, 0);
    assert.equal(t.sparsity.keepFirstDense, true);
  });
});

describe('Sparse Parallel biases', () => {
  it('carries one bias across the summed branches, none when each branch has its own norm', () => {
    const biases = (norm: boolean) => {
      const t = applySparseIft(mlp, 'parallel', 0.75, { inputShape: [28, 28, 1], classes: 10, keepFirstDense: false, norm });
      const sum = t.layers[0]!;
      assert.equal(sum.type, 'sum');
      return (sum as { branches: { useBias?: boolean }[][] }).branches.map((b) => b[0]!.useBias !== false);
    };
    assert.deepEqual(biases(false), [true, false, false, false]);
    assert.deepEqual(biases(true), [false, false, false, false]);
  });
});

describe('Sparse-IFT and DARTS cells', () => {
  it('refuses a cells network instead of returning it untransformed', () => {
    const cells: Architecture = { family: 'darts', input: 'image', sparsity: DENSE_SPARSITY, layers: [
      { type: 'cells', channels: 4, cells: 1, genotype: { normal: [['skip_connect', 0], ['skip_connect', 1]], normal_concat: [2], reduce: [['skip_connect', 0], ['skip_connect', 1]], reduce_concat: [2] } },
      { type: 'globalAvgPool' },
    ] };
    for (const family of SPARSE_IFT_FAMILIES) {
      assert.throws(() => applySparseIft(cells, family, 0.5, { inputShape: [8, 8, 1], classes: 2 }), /not DARTS cells/);
    }
  });
});
