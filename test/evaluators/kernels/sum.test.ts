import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { assertClose, host, runKernelOn, useWasmWithKernels } from './kernel-harness.js';

const cases: Array<{ shape: number[]; axis: number[]; keepDims: boolean }> = [
  { shape: [4, 3, 5, 6], axis: [0, 1, 2], keepDims: false },
  { shape: [4, 3, 5, 6], axis: [2, 0, 1], keepDims: true },
  { shape: [300, 7], axis: [0], keepDims: false },
  { shape: [4, 3, 5, 6], axis: [-4, -3], keepDims: false },
  // Not leading axes, or all axes: the stock kernel's path.
  { shape: [4, 3, 5, 6], axis: [1, 2], keepDims: false },
  { shape: [4, 3, 5], axis: [0, 1, 2], keepDims: true },
];

describe('Sum over leading axes on wasm', () => {
  before(useWasmWithKernels);

  for (const [i, c] of cases.entries()) {
    it(`shape ${c.shape} axis ${c.axis} keepDims ${c.keepDims} matches tfjs-cpu`, () => {
      const inputs = { x: host(c.shape, 600 + i) };
      const attrs = { axis: c.axis, keepDims: c.keepDims };
      const wasm = runKernelOn('wasm', 'Sum', inputs, attrs);
      const cpu = runKernelOn('cpu', 'Sum', inputs, attrs);
      assert.deepEqual(wasm.shape, cpu.shape);
      assertClose(wasm.values, cpu.values, 'sum');
    });
  }
});
