import { before, describe, it } from 'node:test';
import { assertClose, host, runKernelOn, useWasmWithKernels } from './kernel-harness.js';

interface Case {
  readonly a: number[];
  readonly b: number[];
  readonly transposeA: boolean;
  readonly transposeB: boolean;
}

const cases: Case[] = [
  { a: [7, 5], b: [7, 4], transposeA: true, transposeB: false },
  { a: [6, 5], b: [3, 5], transposeA: false, transposeB: true },
  { a: [5, 6], b: [3, 5], transposeA: true, transposeB: true },
  { a: [2, 5, 3], b: [2, 5, 4], transposeA: true, transposeB: false },
  // Broadcast batch dimensions survive the explicit transpose.
  { a: [1, 5, 3], b: [3, 4, 5], transposeA: true, transposeB: true },
  { a: [2, 3, 4, 6], b: [2, 3, 7, 6], transposeA: false, transposeB: true },
  { a: [33, 17], b: [17, 9], transposeA: false, transposeB: false },
];

describe('BatchMatMul with transposed operands on wasm', () => {
  before(useWasmWithKernels);

  for (const [i, c] of cases.entries()) {
    it(`a ${c.a}${c.transposeA ? 'ᵀ' : ''} · b ${c.b}${c.transposeB ? 'ᵀ' : ''} matches tfjs-cpu`, () => {
      const inputs = { a: host(c.a, 100 + i), b: host(c.b, 200 + i) };
      const attrs = { transposeA: c.transposeA, transposeB: c.transposeB };
      const wasm = runKernelOn('wasm', 'BatchMatMul', inputs, attrs);
      const cpu = runKernelOn('cpu', 'BatchMatMul', inputs, attrs);
      assertClose(wasm.values, cpu.values, 'product');
    });
  }

  it('_FusedMatMul with transposeB, bias and relu matches tfjs-cpu', () => {
    // tf.fused.matMul hands the kernel rank-3 operands.
    const inputs = { a: host([1, 6, 5], 300), b: host([1, 4, 5], 301), bias: host([4], 302) };
    const attrs = { transposeA: false, transposeB: true, activation: 'relu' };
    const wasm = runKernelOn('wasm', '_FusedMatMul', inputs, attrs);
    assertClose(wasm.values, runKernelOn('cpu', '_FusedMatMul', inputs, attrs).values, 'fused product');
  });
});
