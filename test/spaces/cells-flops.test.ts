import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { countArchitecture } from '../../spaces/index.js';
import { smallCells } from '../search/layers/fixtures.js';

describe('cells network counted by the layer registry', () => {
  it('matches a hand count of kernels, parameters and MACs', () => {
    // Kernel weights and MACs (weights × output positions), cell by cell:
    const stem = { w: 3 * 3 * 1 * 4, macs: 3 * 3 * 1 * 4 * 64, bn: 8 };                  // conv 1→4 at 8×8
    const cell0 = {                                                                        // normal, C = 4, 8×8
      w: 16 + 16 + 2 * (9 * 4 + 4 * 4),                                                    // two 1×1 4→4, sep_conv (two separables)
      macs: 16 * 64 + 16 * 64 + 2 * (9 * 4 + 4 * 4) * 64,
      bn: 8 + 8 + 2 * 8,                                                                   // pre0, pre1, the two BN of sep_conv
    };
    const cell1 = {                                                                        // reduce, C = 8, 8×8 → 4×4
      w: 4 * 8 + 4 * 8 + (9 * 8 + 8 * 8),                                                  // 1×1 4→8 twice, dil_conv on 8 channels
      macs: 4 * 8 * 64 + 4 * 8 * 64 + (9 * 8 + 8 * 8) * 16,
      bn: 16 + 16 + 16,
    };
    const cell2 = {                                                                        // reduce after a reduction, C = 16, 4×4 → 2×2
      w: 2 * (4 * 8) + 8 * 16 + (9 * 16 + 16 * 16),                                        // FactorizedReduce 4→2×8 on cell 0's 8×8, 1×1 8→16, dil_conv
      macs: 2 * (4 * 8) * 16 + 8 * 16 * 16 + (9 * 16 + 16 * 16) * 4,
      bn: 32 + 32 + 32,
    };
    const classifier = { w: 16 * 3, macs: 16 * 3, bias: 3 };
    const parts = [stem, cell0, cell1, cell2];
    const weights = parts.reduce((a, p) => a + p.w, 0) + classifier.w;
    const macs = parts.reduce((a, p) => a + p.macs, 0) + classifier.macs;
    assert.equal(weights, 1012);
    assert.equal(macs, 22000);
    const c = countArchitecture(smallCells(), [8, 8, 1], 3);
    assert.equal(c.weights, weights);
    assert.equal(c.params, weights + parts.reduce((a, p) => a + p.bn, 0) + classifier.bias);
    assert.equal(c.denseFlops, 2 * macs);
    assert.equal(c.sparseFlops, 2 * macs);
    assert.deepEqual(c.layerInputs, [[8, 8, 1], [2, 2, 16]]);
  });

  it('sparse FLOPs: uniform level, the stem dense with keepFirstDense', () => {
    const half = countArchitecture(smallCells({ level: 0.5 }), [8, 8, 1], 3);
    assert.equal(half.sparseFlops, 22000);
    const first = countArchitecture(smallCells({ level: 0.5, keepFirstDense: true }), [8, 8, 1], 3);
    assert.equal(first.sparseFlops, 0.5 * (44000 - 2 * 2304) + 2 * 2304);
    const stem = first.layers.find((l) => l.name === 'cells_0.stem.conv')!;
    assert.equal(stem.sparsity, 0);
  });
});
