import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
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

describe('API example (examples/api/search-and-export.ts)', () => {
  it('searches, ranks and exports the best model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparsenas-api-example-'));
    const script = fileURLToPath(new URL('../../examples/api/search-and-export.js', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script, dir]);
    assert.equal(stdout.match(/^trial \d+ completed/gm)?.length, 4, stdout);
    const card = JSON.parse(readFileSync(join(dir, 'model', 'trial.json'), 'utf8'));
    assert.match(stdout, new RegExp(`exported trial ${card.trial} `));
    assert.equal(typeof card.metrics.testAccuracy, 'number');
    assert.ok(existsSync(join(dir, 'model', 'model.json')) && existsSync(join(dir, 'model', 'weights.bin')));
  });
});
