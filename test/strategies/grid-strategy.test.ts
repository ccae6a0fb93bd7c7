import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GridStrategy } from '../../strategies/index.js';
import { MlpSpace } from '../../spaces/index.js';
import { driveStrategy } from '../../testing.js';

describe('GridStrategy', () => {
  it('visits every distinct architecture once, then exhausts', async () => {
    // layers ∈ {1,2}, widths ∈ {8,16}: 2 + 4 = 6 distinct nets (width_1 is inactive when layers = 1).
    const space = new MlpSpace({ minLayers: 1, maxLayers: 2, widths: [8, 16], activations: ['relu'], sparsity: { levels: [0.5], init: ['random'], methods: ['static'], kinds: ['unstructured'] } });
    const cs = await driveStrategy(new GridStrategy(), space, 10, 0);
    const found = cs.filter(Boolean);
    assert.equal(found.length, 6);
    const keys = new Set(found.map((c) => JSON.stringify(space.freeze(c!.sample))));
    assert.equal(keys.size, 6);
    assert.ok(cs.slice(6).every((c) => c === undefined));
  });

  it('rejects a values override for an unknown dimension', async () => {
    await assert.rejects(driveStrategy(new GridStrategy(), new MlpSpace(), 1, 0, { values: { depth: [1] } }), /depth.*not a dimension/);
  });
});
