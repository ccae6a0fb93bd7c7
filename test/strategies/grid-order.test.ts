import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GridStrategy } from '../../strategies/index.js';
import { gridPoint, gridPositions } from '../../strategies/grid-order.js';
import { CnnSpace, MlpSpace } from '../../spaces/index.js';
import { canonicalArchitecture } from '../../search/index.js';
import type { Candidate, Json, SearchSpace } from '../../search/index.js';
import { driveStrategy } from '../../testing.js';

const key = (space: SearchSpace, c: Candidate) => JSON.stringify(canonicalArchitecture(space.freeze(c.sample)));

describe('grid (issue 17 defect 7)', () => {
  it('tries the dense network once: mask_init and method do not matter at sparsity 0', async () => {
    const space = new MlpSpace({ minLayers: 1, maxLayers: 1, widths: [8], activations: ['relu'], sparsity: { levels: [0, 0.5], methods: ['static', 'rigl'], kinds: ['unstructured'], init: ['magnitude', 'random'] } });
    const found = (await driveStrategy(new GridStrategy(), space, 20, 0)).filter((c): c is Candidate => !!c);
    // 1 dense + 0.5 × {static, rigl} × {magnitude, random} = 5 networks (8 samples).
    assert.equal(found.length, 5, found.map((c) => JSON.stringify(c.sample)).join('\n'));
    assert.equal(found.filter((c) => c.sample['sparsity'] === 0).length, 1);
    assert.equal(new Set(found.map((c) => key(space, c))).size, 5);
  });

  it('a short prefix covers every dimension of the default mlp and cnn spaces coarsely', async () => {
    for (const space of [new MlpSpace(), new CnnSpace()] as SearchSpace[]) {
      const found = (await driveStrategy(new GridStrategy(), space, 10, 0)).filter((c): c is Candidate => !!c);
      assert.equal(found.length, 10);
      for (const d of space.dimensions) {
        const values = new Set(found.map((c) => JSON.stringify(c.sample[d.name])));
        const many = d.kind === 'categorical' ? d.choices.length > 1 : d.high > d.low;
        if (many) assert.ok(values.size >= 2, `${space.name}: dimension ${d.name} took one value in the first 10 grid points`);
      }
      const levels = found.map((c) => c.sample['sparsity'] as number);
      assert.ok(Math.min(...levels) < 0.3 && Math.max(...levels) > 0.7, `${space.name}: sparsity levels of the prefix span the range: ${levels.join(', ')}`);
    }
  });

  it('still visits every distinct network exactly once, in both orders', async () => {
    const space = new MlpSpace({ minLayers: 1, maxLayers: 2, widths: [8, 16, 32], activations: ['relu', 'tanh'], sparsity: { levels: [0, 0.5, 0.9], init: ['magnitude', 'random'], methods: ['static'], kinds: ['unstructured'] } });
    // layers 1: 3 widths, layers 2: 9 — 12 shapes × 2 activations × (1 dense + 2 levels × 2 inits) = 120.
    for (const order of ['spread', 'lexicographic'] as Json[]) {
      const cs = await driveStrategy(new GridStrategy(), space, 200, 0, { order });
      const found = cs.filter((c): c is Candidate => !!c);
      assert.equal(found.length, 120, String(order));
      assert.equal(new Set(found.map((c) => key(space, c))).size, 120);
      assert.ok(cs.slice(120).every((c) => c === undefined));
    }
  });

  it('is deterministic and resumes at its position: a restored grid continues the same sequence', async () => {
    const space = new MlpSpace();
    const whole = await driveStrategy(new GridStrategy(), space, 12, 0);
    const again = await driveStrategy(new GridStrategy(), space, 12, 7);
    assert.deepEqual(again.map((c) => c?.sample), whole.map((c) => c?.sample), 'the seed does not change the grid');
    const first = new GridStrategy();
    const head = await driveStrategy(first, space, 5, 0);
    const resumed = new GridStrategy();
    await resumed.init({ space, seed: 0, options: {}, definition: undefined as never });
    resumed.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const tail = [];
    for (let i = 0; i < 7; i++) tail.push(await resumed.ask([]));
    assert.deepEqual([...head, ...tail].map((c) => c?.sample), whole.map((c) => c?.sample));
  });

  it('a snapshot without an order (a study from before spread) resumes in the lexicographic order', async () => {
    const space = new MlpSpace({ maxLayers: 2, widths: [8, 16] });
    const old = await driveStrategy(new GridStrategy(), space, 8, 0, { order: 'lexicographic' });
    const resumed = new GridStrategy();
    await resumed.init({ space, seed: 0, options: {}, definition: undefined as never });
    resumed.restore({ index: 0 });
    const replay = [];
    for (let i = 0; i < 8; i++) replay.push(await resumed.ask([]));
    assert.deepEqual(replay.map((c) => c?.sample), old.map((c) => c?.sample));
  });

  it('the spread order is a function of the position only, and its second half sweeps every point', () => {
    const sizes = [4, 1, 3, 5];
    assert.equal(gridPositions('spread', sizes), 120);
    assert.deepEqual(gridPoint('spread', sizes, 17), gridPoint('spread', sizes, 17));
    const swept = new Set(Array.from({ length: 60 }, (_, i) => String(gridPoint('spread', sizes, 60 + i))));
    assert.equal(swept.size, 60);
    assert.equal(gridPoint('spread', sizes, 120), undefined);
  });

  it('rejects an unknown order', async () => {
    await assert.rejects(driveStrategy(new GridStrategy(), new MlpSpace(), 1, 0, { order: 'random' }), /strategy.options.order must be one of spread, lexicographic/);
  });
});
