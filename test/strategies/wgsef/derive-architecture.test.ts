import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DENSE_SPARSITY, type Architecture } from '../../../search/index.js';
import { deriveArchitecture, groupedLayers, WgsefError } from '../../../strategies/wgsef/index.js';

const mlp: Architecture = {
  family: 'mlp', input: 'flat',
  layers: [
    { type: 'dense', units: 300, activation: 'relu', keepNodes: [0, 1, 2] },
    { type: 'dropout', rate: 0.1 },
    { type: 'dense', units: 100, activation: 'relu', name: 'hidden' },
  ],
  sparsity: { level: 0.5, kind: 'group', method: 'static', init: 'magnitude', distribution: 'uniform', group: 'neuron' },
};

const cnn: Architecture = {
  family: 'cnn', input: 'image',
  layers: [
    { type: 'conv2d', filters: 32, kernel: 3, activation: 'relu' },
    { type: 'maxPool', size: 2 },
    { type: 'sum', branches: [[{ type: 'conv2d', filters: 16, kernel: 3 }], [{ type: 'separableConv2d', filters: 16, kernel: 3 }]] },
    { type: 'batchNorm' },
    { type: 'globalAvgPool' },
    { type: 'dense', units: 64 },
  ],
  sparsity: DENSE_SPARSITY,
};

test('names follow the network plan: <prefix>_<index>, spec.name, <sum>.b<branch>.<name>', () => {
  assert.deepEqual(groupedLayers(mlp), [{ name: 'dense_0', width: 300 }, { name: 'hidden', width: 100 }]);
  assert.deepEqual(groupedLayers(cnn).map((l) => l.name), ['conv_0', 'sum_2.b0.conv_0', 'sum_2.b1.sep_0', 'dense_5']);
});

test('widths become the number of survivors; node masks are dropped; the result is dense; the input is untouched', () => {
  const before = structuredClone(mlp);
  const { architecture, emptied } = deriveArchitecture(mlp, { dense_0: [3, 7, 11, 12], hidden: [0, 99] });
  assert.deepEqual(mlp, before);
  assert.deepEqual(emptied, []);
  assert.deepEqual(architecture.layers, [
    { type: 'dense', units: 4, activation: 'relu', name: 'dense_0' },
    { type: 'dropout', rate: 0.1 },
    { type: 'dense', units: 2, activation: 'relu', name: 'hidden' },
  ]);
  assert.deepEqual(architecture.sparsity, DENSE_SPARSITY);
  // the derived layers keep the names the grouped run used
  assert.deepEqual(groupedLayers(architecture).map((l) => l.name), ['dense_0', 'hidden']);
});

test('conv, separable and layers inside sum branches are narrowed; unnamed layers keep their width', () => {
  const { architecture } = deriveArchitecture(cnn, { conv_0: [1, 2, 3], 'sum_2.b1.sep_0': [0, 5] });
  const [conv, , sum] = architecture.layers;
  assert.equal(conv!.type === 'conv2d' && conv.filters, 3);
  assert.ok(sum!.type === 'sum');
  assert.equal(sum.branches[0]![0]!.type === 'conv2d' && sum.branches[0]![0]!.filters, 16);
  assert.equal(sum.branches[1]![0]!.type === 'separableConv2d' && sum.branches[1]![0]!.filters, 2);
  assert.equal(sum.branches[1]![0]!.name, 'sep_0', 'local name pinned, not the full path');
  assert.equal(architecture.layers[5]!.type === 'dense' && architecture.layers[5].units, 64);
});

test('a layer with no survivor keeps one unit and is reported; an unstructured spec can be passed for weight groups', () => {
  const sparsity = { ...DENSE_SPARSITY, level: 0.9 };
  const { architecture, emptied } = deriveArchitecture(mlp, { hidden: [] }, { sparsity });
  assert.deepEqual(emptied, ['hidden']);
  assert.equal(architecture.layers[2]!.type === 'dense' && architecture.layers[2].units, 1);
  assert.equal(architecture.sparsity.level, 0.9);
});

test('bad survivors are rejected with the layer named', () => {
  assert.throws(() => deriveArchitecture(mlp, { dense_7: [0] }), (e: unknown) => e instanceof WgsefError && /dense_7/.test(e.message) && /dense_0, hidden/.test(e.message));
  assert.throws(() => deriveArchitecture(mlp, { hidden: [100] }), /outside 0\.\.99/);
  assert.throws(() => deriveArchitecture(mlp, { hidden: [1, 1] }), /twice/);
  assert.throws(() => deriveArchitecture(mlp, { hidden: [-1] }), WgsefError);
});
