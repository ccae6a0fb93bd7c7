import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStrategy, driveStrategy } from '../../../testing.js';
import { SparseIftStrategy } from '../../../strategies/index.js';
import { MlpSpace, countArchitecture } from '../../../spaces/index.js';

const space = new MlpSpace({ widths: [64, 128], maxLayers: 3, minLayers: 3 });
const options = { seeds: 2, methods: ['rigl', 'static'], base: { width_0: 128, width_1: 128, width_2: 64 } };

describeStrategy('sparse-ift', () => new SparseIftStrategy(), { space, options, tinyOptions: { seeds: 1, levels: [0.5] }, trials: 30, samplesInSpace: false });

describe('sparse-ift strategy', () => {
  it('sweeps dense + families × levels × methods per replicate, all at the dense FLOPs, seeds shared within a replicate', async () => {
    const cs = (await driveStrategy(new SparseIftStrategy(), space, 60, 1, options)).filter((c) => c !== undefined);
    assert.equal(cs.length, 2 * (1 + 4 * 3 * 2));
    const dense = countArchitecture(cs[0]!.architecture!, [28, 28, 1], 10).denseFlops;
    for (const c of cs) {
      const flops = countArchitecture(c.architecture!, [28, 28, 1], 10).sparseFlops;
      assert.ok(Math.abs(flops - dense) / dense < 0.02, `${c.label}: ${flops} vs ${dense}`);
      assert.equal(c.seed, cs[(c.attributes!['replicate'] as number) * 25]!.seed);
    }
    assert.notEqual(cs[0]!.seed, cs[25]!.seed);
    assert.deepEqual(new Set(cs.map((c) => c.architecture!.sparsity.method)), new Set(['static', 'rigl']));
  });

  it('rejects an unknown family by name', async () => {
    await assert.rejects(driveStrategy(new SparseIftStrategy(), space, 1, 1, { families: ['tall'] }), /unknown family "tall"/);
  });
});

describe('sparse-ift training setup', () => {
  it('starts every sparse member from a random mask (the paper\'s recipe) and applies updateEvery', async () => {
    const cs = (await driveStrategy(new SparseIftStrategy(), space, 30, 2, { ...options, seeds: 1, updateEvery: 15 })).filter((c) => c !== undefined);
    for (const c of cs.slice(1)) {
      assert.equal(c.architecture!.sparsity.init, 'random', c.label);
      assert.equal(c.architecture!.sparsity.updateEvery, 15, c.label);
    }
    await assert.rejects(driveStrategy(new SparseIftStrategy(), space, 1, 1, { updateEvery: 0 }), /strategy\.options\.updateEvery/);
    await assert.rejects(driveStrategy(new SparseIftStrategy(), space, 1, 1, { methods: ['gmp'] }), /unknown method "gmp"/);
  });
});
