import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../search/index.js';
import { CnnSpace, MlpSpace, gridValues, logFloat, sampleDimension } from '../../spaces/index.js';
import { sampleSpace } from '../../strategies/index.js';

describe('dimensions', () => {
  it('samples inside their bounds and on their step', () => {
    const rng = createRng(1);
    const lf = logFloat('lr', 1e-4, 1e-1);
    for (let i = 0; i < 200; i++) {
      const v = sampleDimension(lf, rng) as number;
      assert.ok(v >= 1e-4 && v <= 1e-1);
    }
    assert.deepEqual(gridValues({ name: 'x', kind: 'int', low: 2, high: 8, step: 3 }), [2, 5, 8]);
    assert.deepEqual(gridValues({ name: 's', kind: 'float', low: 0, high: 0.5, step: 0.25 }), [0, 0.25, 0.5]);
  });
});

describe('mlp space', () => {
  const space = new MlpSpace();
  it('freezes a sample into plain JSON with the sampled widths and sparsity', () => {
    const sample = { ...sampleSpace(space, createRng(3)), layers: 2, width_0: 256, width_1: 64, sparsity: 0.9, sparsity_kind: 'unstructured', sparse_method: 'static' };
    const arch = space.freeze(sample);
    assert.deepEqual(JSON.parse(JSON.stringify(arch)), arch);
    assert.deepEqual(arch.layers.map((l) => (l as { units: number }).units), [256, 64]);
    assert.equal(arch.sparsity.level, 0.9);
    assert.equal(arch.input, 'flat');
  });

  it('rejects a sample outside the space naming the dimension', () => {
    const sample = { ...sampleSpace(space, createRng(4)), width_0: 100 };
    assert.throws(() => space.freeze(sample), /width_0/);
    assert.throws(() => space.freeze({ ...sampleSpace(space, createRng(4)), sparsity: 0.99 }), /sparsity.*outside/);
    assert.throws(() => space.freeze({ ...sampleSpace(space, createRng(4)), bogus: 1 }), /bogus.*not a dimension/);
    assert.throws(() => space.freeze({ ...sampleSpace(space, createRng(4)), layers: undefined as never }), /layers/);
  });

  it('ignores widths of inactive layers', () => {
    const s = { ...sampleSpace(space, createRng(5)), layers: 1 };
    assert.equal(space.check({ ...s, width_3: 64 }), undefined);
  });

  it('maps n:m to SR-STE with level 1 − N/M and refuses group + rigl', () => {
    const s = new MlpSpace({ sparsity: { kinds: ['n:m', 'group'], methods: ['static', 'rigl'], nm: ['1:4'] } });
    const base = sampleSpace(s, createRng(6));
    const nm = s.freeze({ ...base, sparsity_kind: 'n:m' }).sparsity;
    assert.equal(nm.method, 'srste');
    assert.equal(nm.level, 0.75);
    assert.deepEqual([nm.n, nm.m], [1, 4]);
    assert.throws(() => s.freeze({ ...base, sparsity_kind: 'group', sparse_method: 'rigl' }), /sparse_method/);
  });

  it('fixes dimensions from options and rejects unknown ones', () => {
    const s = new MlpSpace({ fixed: { sparse_method: 'rigl' }, sparsity: { methods: ['static', 'rigl'] } });
    assert.deepEqual(s.dimensions.find((d) => d.name === 'sparse_method'), { name: 'sparse_method', kind: 'categorical', choices: ['rigl'], description: 'how the mask evolves during training' });
    assert.throws(() => new MlpSpace({ fixed: { depth: 3 } }), /depth.*not a dimension/);
    assert.throws(() => new MlpSpace({ widthz: [1] }), /widthz/);
  });
});

describe('cnn space', () => {
  it('freezes stages into conv, separable and pooling layers with an image input', () => {
    const space = new CnnSpace({ batchNorm: false });
    const s = { ...sampleSpace(space, createRng(7)), stages: 2, channels_0: 16, kernel_0: 3, block_0: 'plain', pool_0: 'max', depth_0: 1,
      channels_1: 32, kernel_1: 5, block_1: 'separable', pool_1: 'avg', depth_1: 2, head: 'gap', head_units: 0, batch_norm: false };
    const a = space.freeze(s);
    assert.equal(a.input, 'image');
    assert.deepEqual(a.layers.map((l) => l.type), ['conv2d', 'maxPool', 'separableConv2d', 'separableConv2d', 'avgPool', 'globalAvgPool']);
    assert.equal(a.sparsity.group ?? 'filter', 'filter');
  });
});
