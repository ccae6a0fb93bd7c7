import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArchitectureError, cellsLayout, cellText, checkGenotype, DARTS_V2, DENSE_SPARSITY, layerDescriptor, planNetwork, planNodes,
  type Architecture, type CellsLayer, type Genotype,
} from '../../../search/index.js';

const tiny: Genotype = {
  normal: [['sep_conv_3x3', 0], ['skip_connect', 1]], normal_concat: [2],
  reduce: [['max_pool_3x3', 0], ['dil_conv_3x3', 1]], reduce_concat: [2],
};
const cells = (extra: Partial<CellsLayer> = {}): CellsLayer => ({ type: 'cells', channels: 4, cells: 3, genotype: DARTS_V2, ...extra });
const arch = (layer: CellsLayer): Architecture => ({ family: 'darts', input: 'image', layers: [layer, { type: 'globalAvgPool' }], sparsity: DENSE_SPARSITY });

describe('cells layer (DARTS model.py NetworkCIFAR)', () => {
  it('reduction cells at ⌊L/3⌋ and ⌊2L/3⌋ double the channels; the cell after one FactorizedReduces input 0', () => {
    const reductions = (L: number) => cellsLayout(cells({ cells: L })).cells.flatMap((c) => (c.reduction ? [c.index] : []));
    assert.deepEqual(reductions(8), [2, 5]);
    assert.deepEqual(reductions(5), [1, 3]);
    assert.deepEqual(reductions(3), [1, 2]);
    assert.deepEqual(reductions(1), [0]);
    const l = cellsLayout(cells({ cells: 5 }));
    assert.deepEqual(l.cells.map((c) => c.channels), [4, 8, 8, 16, 16]);
    assert.deepEqual(l.cells.map((c) => c.reductionPrev), [false, false, true, false, true]);
    assert.equal(l.stemChannels, 12);
  });

  it('plans stem, preprocessing and ops; the output is the concat of the intermediate nodes', () => {
    const plan = planNetwork(arch(cells({ cells: 5 })), [28, 28, 1], 10);
    const node = plan.nodes[0]!;
    // 28 → 14 → 7 at the two reductions; 4 nodes × 16 channels.
    assert.deepEqual(node.outShape, [7, 7, 64]);
    assert.deepEqual(Object.keys(node.children!).slice(0, 4), ['stem', 'c0.pre0', 'c0.pre1', 'c0.n0.e0.sep_conv_3x3']);
    assert.deepEqual(node.children!['c4.pre0']!.map((n) => n.spec.type), ['activation', 'factorizedReduce', 'batchNorm']);
    assert.deepEqual(node.children!['c1.n0.e0.max_pool_3x3']!.map((n) => [n.name, n.outShape]), [['cells_0.c1.n0.e0.max_pool_3x3.maxpool_0', [14, 14, 8]]]);
    // The stem conv is the network's first weighted layer; everything after is hidden.
    const weighted = [...planNodes(plan.nodes)].filter((n) => n.role);
    assert.equal(weighted[0]!.name, 'cells_0.stem.conv');
    assert.equal(weighted[0]!.role, 'first');
    assert.ok(weighted.slice(1, -1).every((n) => n.role === 'hidden'));
    assert.equal(weighted.at(-1)!.role, 'classifier');
  });

  it('its own FLOPs are the additions of each node\'s edges (the ops count in its children)', () => {
    const plan = planNetwork(arch(cells({ genotype: tiny, stemMultiplier: 1 })), [8, 8, 1], 2);
    // One node of two edges per cell, at 8×8×4, 4×4×8 and 2×2×16.
    assert.equal(layerDescriptor(plan.nodes[0]!.spec).extraFlops(plan.nodes[0]!), 8 * 8 * 4 + 4 * 4 * 8 + 2 * 2 * 16);
  });

  it('a cells sparsity override reaches every kernel inside', () => {
    const plan = planNetwork(arch(cells({ genotype: tiny, sparsity: 0.3 })), [8, 8, 1], 2);
    const inner = [...planNodes(plan.nodes[0]!.children!['c1.n0.e1.dil_conv_3x3']!)];
    const sep = inner.find((n) => n.spec.type === 'separableConv2d')!;
    assert.equal('sparsity' in sep.spec && sep.spec.sparsity, 0.3);
  });

  it('refuses bad genotypes and options, naming the entry', () => {
    const bad = (g: unknown, re: RegExp) => assert.throws(() => planNetwork(arch(cells({ genotype: g as Genotype })), [8, 8, 1], 2), (e: unknown) => e instanceof ArchitectureError && re.test((e as Error).message));
    bad({ ...tiny, normal: [['sep_conv_7x7', 0], ['skip_connect', 1]] }, /normal\[0\] must be \[op, input\] with op one of none, max_pool_3x3/);
    bad({ ...tiny, reduce: [['skip_connect', 0], ['skip_connect', 2]] }, /reduce\[1\] reads state 2, but node 0 can read states 0..1/);
    bad({ ...tiny, normal_concat: [2, 2] }, /normal_concat must list distinct states in 0..2/);
    bad({ ...tiny, reduce: [...tiny.reduce, ['skip_connect', 0], ['skip_connect', 2]] }, /normal has 1 nodes but .reduce has 2/);
    bad({ ...tiny, reduce_concat: [0, 2] }, /a reduction cell cannot concatenate its inputs/);
    assert.throws(() => planNetwork(arch(cells({ channels: 0 })), [8, 8, 1], 2), /channels must be a positive integer, got 0/);
    assert.equal(checkGenotype('x', DARTS_V2), 4);
  });

  it('writes a genotype compactly', () => {
    assert.equal(cellText(DARTS_V2, 'normal'), 'sep3@0+sep3@1 sep3@0+sep3@1 sep3@1+skip@0 skip@0+dil3@2');
    assert.equal(cellText({ ...tiny, reduce_concat: [0, 2] }, 'reduce'), 'max3@0+dil3@1 →0,2');
  });
});
