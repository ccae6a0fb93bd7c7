import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DENSE_SPARSITY } from '../../search/index.js';
import type { Architecture } from '../../search/index.js';
import { convOut, countArchitecture } from '../../spaces/index.js';

describe('analytic FLOP and parameter counts', () => {
  it('counts the 784-300-100-10 MLP by hand', () => {
    const arch: Architecture = { family: 'mlp', input: 'flat', sparsity: { ...DENSE_SPARSITY, level: 0.9, keepLastDense: true },
      layers: [{ type: 'dense', units: 300 }, { type: 'dense', units: 100 }] };
    const c = countArchitecture(arch, [28, 28, 1], 10);
    assert.equal(c.weights, 784 * 300 + 300 * 100 + 100 * 10);
    assert.equal(c.params, c.weights + 300 + 100 + 10);
    assert.equal(c.denseFlops, 2 * (784 * 300 + 300 * 100 + 100 * 10));
    // hidden layers at 90%, classifier dense
    assert.ok(Math.abs(c.sparseFlops - 2 * (0.1 * (784 * 300 + 300 * 100) + 1000)) < 1e-6);
    assert.equal(c.nonZeros, Math.round(0.1 * 784 * 300) + Math.round(0.1 * 300 * 100) + 1000 + 410);
  });

  it('counts a CNN with stride, padding, pooling and a separable conv', () => {
    const arch: Architecture = { family: 'cnn', input: 'image', sparsity: DENSE_SPARSITY, layers: [
      { type: 'conv2d', name: 'c0', filters: 8, kernel: 3, padding: 'same' },            // 28x28x8
      { type: 'maxPool', size: 2 },                                                       // 14x14x8
      { type: 'conv2d', name: 'c1', filters: 16, kernel: 3, stride: 2, padding: 'valid' }, // 6x6x16
      { type: 'separableConv2d', name: 's2', filters: 32, kernel: 3, padding: 'same' },    // 6x6x32
      { type: 'globalAvgPool' },
    ] };
    const c = countArchitecture(arch, [28, 28, 1], 10);
    assert.deepEqual(c.layers.map((l) => l.outputShape), [[28, 28, 8], [6, 6, 16], [6, 6, 16], [6, 6, 32], [10]]);
    const macs = 28 * 28 * 9 * 1 * 8 + 6 * 6 * 9 * 8 * 16 + 6 * 6 * 9 * 16 + 6 * 6 * 16 * 32 + 32 * 10;
    assert.equal(c.denseFlops, 2 * macs);
    assert.equal(c.sparseFlops, c.denseFlops);
    assert.deepEqual(convOut(7, 7, 3, 2, 'same', 1), [4, 4]);
    assert.deepEqual(convOut(7, 7, 3, 1, 'valid', 2), [3, 3]);
  });

  it('refuses a sum whose branches disagree in shape', () => {
    const arch: Architecture = { family: 'x', input: 'flat', sparsity: DENSE_SPARSITY, layers: [
      { type: 'sum', branches: [[{ type: 'dense', units: 4 }], [{ type: 'dense', units: 5 }]] }] };
    assert.throws(() => countArchitecture(arch, [3], 2), /different shapes/);
  });
});
