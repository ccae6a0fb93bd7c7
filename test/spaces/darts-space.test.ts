import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, planNetwork, SpaceError, type CellsLayer, type Genotype } from '../../search/index.js';
import { countArchitecture, DartsSpace, dartsSpaceFactory } from '../../spaces/index.js';
import { sampleSpace } from '../../strategies/index.js';

const cellsOf = (a: ReturnType<DartsSpace['freeze']>) => a.layers[0] as CellsLayer & { genotype: Genotype };

describe('darts space', () => {
  const space = new DartsSpace();

  it('has, per cell type and node, its pair of inputs and an op on each, then the sparsity dimensions, then C and L', () => {
    const names = space.dimensions.map((d) => d.name);
    assert.deepEqual(names.slice(0, 6), ['normal_node0_inputs', 'normal_node0_op0', 'normal_node0_op1', 'normal_node1_inputs', 'normal_node1_op0', 'normal_node1_op1']);
    assert.equal(names.filter((n) => n.startsWith('reduce_')).length, 12);
    assert.deepEqual(names.slice(24), ['sparsity', 'sparsity_kind', 'sparse_method', 'mask_init', 'nm', 'channels', 'layers']);
    const c = space.dimensions.find((d) => d.name === 'channels')!, l = space.dimensions.find((d) => d.name === 'layers')!;
    assert.deepEqual([c.kind === 'categorical' && c.choices, l.kind === 'categorical' && l.choices], [[8], [3]]);
    const pairs = space.dimensions.find((d) => d.name === 'normal_node2_inputs')!;
    assert.deepEqual(pairs.kind === 'categorical' && pairs.choices, ['0,1', '0,2', '1,2', '0,3', '1,3', '2,3']);
    const ops = space.dimensions.find((d) => d.name === 'reduce_node3_op1')!;
    assert.deepEqual(ops.kind === 'categorical' && ops.choices, ['max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5']);
  });

  it('freezes a sample into a DARTS genotype: two distinct inputs per node, never none, concat of every node', () => {
    const rng = createRng(7);
    for (let i = 0; i < 30; i++) {
      const a = space.freeze(sampleSpace(space, rng));
      assert.equal(a.family, 'darts');
      assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
      const { genotype, channels, cells } = cellsOf(a);
      assert.deepEqual([channels, cells], [8, 3]);
      for (const type of ['normal', 'reduce'] as const) {
        assert.equal(genotype[type].length, 8);
        assert.deepEqual(genotype[`${type}_concat`], [2, 3, 4, 5]);
        for (let j = 0; j < 4; j++) {
          const [[opA, a0], [opB, b0]] = genotype[type].slice(2 * j, 2 * j + 2) as [[string, number], [string, number]];
          assert.ok(a0 < b0 && b0 < j + 2, `${type} node ${j} reads ${a0}, ${b0}`);
          assert.ok(opA !== 'none' && opB !== 'none');
        }
      }
      // Every sample plans on the embedded dataset's 28×28×1.
      assert.deepEqual(planNetwork(a, [28, 28, 1], 10).nodes[0]!.outShape, [7, 7, 128]);
    }
  });

  it('maps a sample to its genotype edge by edge', () => {
    const sample = { ...sampleSpace(space, createRng(1)), normal_node1_inputs: '0,2', normal_node1_op0: 'dil_conv_5x5', normal_node1_op1: 'skip_connect' };
    assert.deepEqual(cellsOf(space.freeze(sample)).genotype.normal.slice(2, 4), [['dil_conv_5x5', 0], ['skip_connect', 2]]);
  });

  it('options: C, L, nodes, stem multiplier and ops, validated by name', () => {
    const small = new DartsSpace({ channels: 4, layers: 5, nodes: 2, stemMultiplier: 1, ops: ['skip_connect', 'sep_conv_3x3'] });
    assert.equal(small.dimensions.length, 2 * 2 * 3 + 5 + 2);
    const a = small.freeze(sampleSpace(small, createRng(2)));
    assert.deepEqual(cellsOf(a).genotype.normal_concat, [2, 3]);
    assert.equal(countArchitecture(a, [28, 28, 1], 10).layers[0]!.outputShape.at(-1), 4);
    const bad = (options: object, re: RegExp) => assert.throws(() => dartsSpaceFactory.create(options as never), (e: unknown) => e instanceof SpaceError && re.test((e as Error).message));
    bad({ channels: 0 }, /channels must be an integer in 1..256, got 0/);
    bad({ layers: 2.5 }, /layers must be an integer in 1..20/);
    bad({ nodes: 9 }, /nodes must be an integer in 1..8/);
    bad({ ops: ['none', 'skip_connect'] }, /"none" is not an op of a derived cell/);
    bad({ ops: ['sep_conv_7x7'] }, /ops must be distinct DARTS ops/);
    bad({ cells: 3 }, /space.options.cells is not an option of the darts space/);
    bad({ channels: [8, 8] }, /channels must be an integer or a non-empty list of distinct integers in 1..256, got \[8,8\]/);
    bad({ layers: [] }, /layers must be an integer or a non-empty list/);
    bad({ layers: [3, 21] }, /layers must be an integer in 1..20, got 21/);
    bad({ fixed: { normal_node0_inputs: '0,2' } }, /normal_node0_inputs/);
    const fixed = new DartsSpace({ fixed: { reduce_node0_op0: 'max_pool_3x3' }, sparsity: { levels: [0.9] } });
    const f = fixed.freeze(sampleSpace(fixed, createRng(3)));
    assert.deepEqual(cellsOf(f).genotype.reduce[0], ['max_pool_3x3', 0]);
    assert.equal(f.sparsity.level, 0.9);
    assert.equal(f.sparsity.group, undefined);
  });

  it('searches C and L when the options list choices; a sample stored without them freezes with the first choice', () => {
    const wide = new DartsSpace({ channels: [4, 8, 16], layers: [2, 3, 5] });
    const seen = new Set<string>();
    const rng = createRng(5);
    for (let i = 0; i < 40; i++) {
      const sample = sampleSpace(wide, rng);
      const cells = cellsOf(wide.freeze(sample));
      assert.deepEqual([cells.channels, cells.cells], [sample['channels'], sample['layers']]);
      seen.add(`${cells.channels}x${cells.cells}`);
    }
    assert.ok(seen.size >= 6, `C × L combinations drawn: ${[...seen].join(' ')}`);
    // The genotype and sparsity a seed draws do not depend on whether C and L are searched.
    const a = sampleSpace(space, createRng(9)), b = sampleSpace(wide, createRng(9));
    for (const k of Object.keys(a).filter((k) => k !== 'channels' && k !== 'layers')) assert.deepEqual(b[k], a[k], k);
    const old = sampleSpace(wide, createRng(6));
    delete old['channels'];
    delete old['layers'];
    assert.equal(wide.check(old), undefined);
    assert.deepEqual([cellsOf(wide.freeze(old)).channels, cellsOf(wide.freeze(old)).cells], [4, 2]);
    assert.throws(() => wide.freeze({ ...old, layers: 4 }), /layers/);
    assert.deepEqual(cellsOf(new DartsSpace({ channels: 16, layers: 6 }).freeze(sampleSpace(new DartsSpace({ channels: 16, layers: 6 }), createRng(1)))).cells, 6);
  });

  it('rejects a sample outside the space naming the dimension', () => {
    assert.throws(() => space.freeze({ ...sampleSpace(space, createRng(4)), normal_node1_inputs: '1,1' }), /normal_node1_inputs/);
    assert.throws(() => space.freeze({ ...sampleSpace(space, createRng(4)), normal_node0_op0: 'none' }), /normal_node0_op0/);
  });
});
