import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CnnSpace } from '../../spaces/cnn-space.js';
import { sampleSpace } from '../../strategies/sampling.js';
import { createRng } from '../../search/index.js';

test('cnn: batch normalisation is a default-on dimension (each conv is followed by BN and the activation)', () => {
  const space = new CnnSpace();
  const dim = space.dimensions.find((d) => d.name === 'batch_norm');
  assert.ok(dim, 'batch_norm is a dimension of the cnn space');
  for (let seed = 0; seed < 20; seed++) {
    const s = sampleSpace(space, createRng(seed));
    assert.equal(s['batch_norm'], true);
    const types = space.freeze(s).layers.map((l) => l.type);
    const convs = types.filter((t) => t === 'conv2d' || t === 'separableConv2d').length;
    assert.equal(types.filter((t) => t === 'batchNorm').length, convs, types.join(','));
  }
  // Off, or searched both ways, when asked.
  const off = new CnnSpace({ batchNorm: false });
  assert.ok(!off.freeze(sampleSpace(off, createRng(1))).layers.some((l) => l.type === 'batchNorm'));
  const both = new CnnSpace({ batchNorm: [true, false] });
  const seen = new Set(Array.from({ length: 30 }, (_, i) => sampleSpace(both, createRng(i))['batch_norm']));
  assert.deepEqual([...seen].sort(), [false, true]);
  const stored = sampleSpace(space, createRng(2));
  delete stored['batch_norm'];
  assert.equal(space.check(stored), undefined, 'a sample stored before the dimension existed still freezes');
  assert.throws(() => new CnnSpace({ batchNorm: 'yes' as never }), /batchNorm must be true, false or a list/);
});

test('cnn: a static mask is never drawn above the level it can train (default 0.9); dynamic methods still go higher', () => {
  const space = new CnnSpace({ sparsity: { methods: ['static', 'rigl'], kinds: ['unstructured'], levels: [0.5, 0.96] } });
  let staticHigh = 0, riglHigh = 0;
  for (let seed = 0; seed < 80; seed++) {
    const s = sampleSpace(space, createRng(seed));
    if (s['sparse_method'] === 'static' && s['sparsity'] === 0.96) staticHigh++;
    if (s['sparse_method'] === 'rigl' && s['sparsity'] === 0.96) riglHigh++;
  }
  assert.equal(staticHigh, 0);
  assert.ok(riglHigh > 0);
  const base = sampleSpace(space, createRng(3));
  assert.match(space.check({ ...base, sparse_method: 'static', sparsity: 0.96 })?.message ?? '', /static mask at sparsity 0\.96 .*limit 0\.9.*gmp, rigl or set/);
  assert.equal(new CnnSpace({ maxStaticSparsity: 0.98, sparsity: { levels: [0.96] } }).check({ ...base, sparse_method: 'static', sparsity: 0.96 }), undefined);
});
