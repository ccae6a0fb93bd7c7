import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStrategy } from 'sparsenas/testing';
import { HillClimbStrategy } from '../../examples/hill-climb/hill-climb-strategy.js';
import { BottleneckSpace } from '../../examples/bottleneck-space/bottleneck-space.js';

// The example strategy passes the same conformance suite as the built-ins, on both spaces.
describeStrategy('hill-climb (example)', () => new HillClimbStrategy());
describeStrategy('hill-climb on the bottleneck space (example)', () => new HillClimbStrategy(), { space: new BottleneckSpace() });

describe('bottleneck space (example)', () => {
  it('rejects a bottleneck wider than the wide layer, naming the dimension', () => {
    const space = new BottleneckSpace();
    assert.equal(space.freeze({ wide: 256, bottleneck: 96, sparsity: 0.5 }).layers.length, 2);
    assert.throws(() => space.freeze({ wide: 64, bottleneck: 96, sparsity: 0.5 }), /bottleneck must be narrower/);
    assert.throws(() => space.freeze({ wide: 256, bottleneck: 8, sparsity: 0.5 }), /"bottleneck" = 8 is outside/);
  });
});
