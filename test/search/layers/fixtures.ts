import { DENSE_SPARSITY, type Architecture, type Genotype, type SparsitySpec } from '../../../search/index.js';

/**
 * A small cell network, 8×8×1 → 3 classes: C = 4, L = 3 (cells 1 and 2 reduce), stem × 1,
 * one intermediate node per cell: normal = sep_conv_3x3(0) + skip(1), reduce = max_pool(0) +
 * dil_conv_3x3(1), each cell outputting its node.
 */
export function smallCells(sparsity: Partial<SparsitySpec> = {}): Architecture {
  return {
    family: 'darts', input: 'image', sparsity: { ...DENSE_SPARSITY, ...sparsity },
    layers: [{
      type: 'cells', channels: 4, cells: 3, stemMultiplier: 1, genotype: {
        normal: [['sep_conv_3x3', 0], ['skip_connect', 1]], normal_concat: [2],
        reduce: [['max_pool_3x3', 0], ['dil_conv_3x3', 1]], reduce_concat: [2],
      },
    }, { type: 'globalAvgPool' }],
  };
}

/** Three nodes per cell using all eight ops, skip and none at both strides. */
export const ALL_OPS: Genotype = {
  normal: [['sep_conv_3x3', 0], ['skip_connect', 1], ['dil_conv_5x5', 2], ['avg_pool_3x3', 0], ['none', 3], ['sep_conv_5x5', 1]],
  normal_concat: [2, 3, 4],
  reduce: [['max_pool_3x3', 0], ['skip_connect', 1], ['sep_conv_5x5', 2], ['dil_conv_3x3', 0], ['avg_pool_3x3', 3], ['none', 1]],
  reduce_concat: [2, 3, 4],
};

export function allOpsCells(sparsity: Partial<SparsitySpec> = {}, channels = 4): Architecture {
  return {
    family: 'darts', input: 'image', sparsity: { ...DENSE_SPARSITY, ...sparsity },
    layers: [{ type: 'cells', name: 'cells', channels, cells: 3, stemMultiplier: 2, genotype: ALL_OPS }, { type: 'globalAvgPool' }],
  };
}
