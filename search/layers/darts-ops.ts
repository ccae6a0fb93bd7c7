import type { LayerSpec } from '../architecture.js';

/**
 * The DARTS operation set (Liu et al. 2019, `cnn/genotypes.py` PRIMITIVES, in that order) and
 * each op as a chain of registry layers, as `cnn/operations.py` defines it:
 * - sep_conv_k: [ReLU, depthwise k (stride), 1×1, BN] twice, the second at stride 1;
 * - dil_conv_k: ReLU, depthwise k dilation 2 (stride), 1×1, BN;
 * - max/avg_pool_3x3: 3×3 pooling, padding 1 (`same`); the average excludes the padding
 *   (count_include_pad=False); in the search network (`model_search.py` MixedOp) each pool is
 *   followed by a non-affine BN;
 * - skip_connect: the identity, or at stride 2 FactorizedReduce (ReLU, two offset 1×1 stride-2
 *   convolutions, concat, BN);
 * - none: zeros.
 * Every convolution is bias-free and a masked kernel, so each sparse method (and DASS' sparse
 * ops) sparsifies it. BN is affine in a derived network (`model.py`) and not in the search
 * network (`model_search.py`), which `affine` says.
 */
export const DARTS_OPS = [
  'none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5',
] as const;
export type DartsOp = (typeof DARTS_OPS)[number];

/** Short names for one-line descriptions. */
export const DARTS_OP_TOKENS: Readonly<Record<DartsOp, string>> = {
  none: 'none', max_pool_3x3: 'max3', avg_pool_3x3: 'avg3', skip_connect: 'skip',
  sep_conv_3x3: 'sep3', sep_conv_5x5: 'sep5', dil_conv_3x3: 'dil3', dil_conv_5x5: 'dil5',
};

export interface OpOptions {
  /** Channels in and out (C of the cell). */
  channels: number;
  stride: 1 | 2;
  /** Affine BN (derived networks); false in the search network. */
  affine: boolean;
  /** A non-affine BN after each pool (the search network's MixedOp). */
  poolBatchNorm: boolean;
}

export function isDartsOp(op: unknown): op is DartsOp {
  return typeof op === 'string' && (DARTS_OPS as readonly string[]).includes(op);
}

const relu: LayerSpec = { type: 'activation', activation: 'relu' };

/** The layers of one DARTS op on C channels; an empty chain is the identity. */
export function dartsOpLayers(op: DartsOp, o: OpOptions): LayerSpec[] {
  const C = o.channels, bn: LayerSpec = { type: 'batchNorm', affine: o.affine };
  const sep = (kernel: number, stride: number, dilation = 1): LayerSpec => ({ type: 'separableConv2d', filters: C, kernel, stride, dilation, padding: 'same', useBias: false });
  const pool = (type: 'maxPool' | 'avgPool'): LayerSpec[] => [
    { type, size: 3, stride: o.stride, padding: 'same' }, ...(o.poolBatchNorm ? [{ type: 'batchNorm', affine: false } as LayerSpec] : []),
  ];
  switch (op) {
    case 'none': return [{ type: 'zero', stride: o.stride }];
    case 'max_pool_3x3': return pool('maxPool');
    case 'avg_pool_3x3': return pool('avgPool');
    case 'skip_connect': return o.stride === 1 ? [] : factorizedReduceLayers(C, o.affine);
    case 'sep_conv_3x3': return [relu, sep(3, o.stride), bn, relu, sep(3, 1), bn];
    case 'sep_conv_5x5': return [relu, sep(5, o.stride), bn, relu, sep(5, 1), bn];
    case 'dil_conv_3x3': return [relu, sep(3, o.stride, 2), bn];
    case 'dil_conv_5x5': return [relu, sep(5, o.stride, 2), bn];
  }
}

/** DARTS' ReLUConvBN(C_in, C, 1, 1, 0): a cell's preprocessing of an input at its resolution. */
export function reluConvBnLayers(filters: number, affine: boolean): LayerSpec[] {
  return [relu, { type: 'conv2d', filters, kernel: 1, padding: 'valid', useBias: false }, { type: 'batchNorm', affine }];
}

/** DARTS' FactorizedReduce(C_in, C): ReLU, the two offset stride-2 1×1 convolutions, BN. */
export function factorizedReduceLayers(filters: number, affine: boolean): LayerSpec[] {
  return [relu, { type: 'factorizedReduce', filters }, { type: 'batchNorm', affine }];
}
