import * as tf from '@tensorflow/tfjs';
import type { LayerStats } from '../search/index.js';
import type { LayerRecord, Network } from './network/types.js';
import { activationOf } from './network/plan.js';
import { product } from './network/shapes.js';
import type { MaskedParam } from './sparse/types.js';

/**
 * Parameter and FLOP accounting, computed analytically from the plan and the masks
 * (tfjs has no sparse kernels, so sparse FLOPs are what a sparse kernel would do).
 *
 * Conventions, per sample, forward pass:
 * - a weighted layer costs 2 FLOPs per multiply-add: dense 2·|W|·positions, sparse
 *   2·nnz(M)·positions, positions = output h·w for convolutions, 1 for dense;
 * - a bias costs 1 per output element, a non-linear activation 1 per element (whatever the
 *   function), batch norm 2 per element (its inference form, a folded scale and shift),
 *   max/avg pooling size² per output element, global average pooling 1 per input element,
 *   a `sum` (branches − 1) per element; flatten and dropout are free;
 * - these non-weight FLOPs are the same in the dense and the sparse count;
 * - a training step costs 3× the forward pass (forward, input gradient, weight gradient),
 *   the usual convention of the RigL and Sparse-IFT papers.
 * Params are all trainable parameters (kernels, biases, BN γ/β); non-zeros are the
 * unmasked ones (biases of nodes removed by a node mask count as masked).
 * A layer's `sparsity` is its kernel sparsity, 1 − nnz(M)/|W|; a separable convolution gets
 * two entries, `<name>.depthwise` and `<name>.pointwise` (which holds the bias).
 */
export interface Accounting {
  layers: LayerStats[];
  params: number;
  nonZeros: number;
  /** 1 − nonZeros/params over all parameters. */
  sparsity: number;
  /** Sparsity of the masked kernels only (what sparse methods target). */
  weightSparsity: number;
  denseFlops: number;
  sparseFlops: number;
  denseTrainingFlops: number;
  sparseTrainingFlops: number;
}

export const TRAINING_STEP_FACTOR = 3;

export function countNetwork(net: Network): Accounting {
  const nnz = maskCounts(net.params);
  const layers: LayerStats[] = [];
  for (const r of net.records) layers.push(...recordStats(r, nnz));
  const sum = (f: (l: LayerStats) => number) => layers.reduce((a, l) => a + f(l), 0);
  const params = sum((l) => l.params), nonZeros = sum((l) => l.nonZeros);
  const kernelSize = net.params.reduce((a, p) => a + p.weight.size, 0);
  const kernelNnz = net.params.reduce((a, p) => a + nnz.get(p)!, 0);
  const denseFlops = sum((l) => l.denseFlops), sparseFlops = sum((l) => l.sparseFlops);
  return {
    layers, params, nonZeros, sparsity: params ? 1 - nonZeros / params : 0,
    weightSparsity: kernelSize ? 1 - kernelNnz / kernelSize : 0,
    denseFlops, sparseFlops,
    denseTrainingFlops: TRAINING_STEP_FACTOR * denseFlops, sparseTrainingFlops: TRAINING_STEP_FACTOR * sparseFlops,
  };
}

/** Current sparsity of the masked kernels (cheap enough to call every epoch). */
export function weightSparsity(params: readonly MaskedParam[]): number {
  const nnz = maskCounts(params);
  const size = params.reduce((a, p) => a + p.weight.size, 0);
  return size ? 1 - params.reduce((a, p) => a + nnz.get(p)!, 0) / size : 0;
}

function maskCounts(params: readonly MaskedParam[]): Map<MaskedParam, number> {
  const out = new Map<MaskedParam, number>();
  for (const p of params) out.set(p, tf.tidy(() => tf.sum(tf.notEqual(p.mask, 0).toFloat()).dataSync()[0]!));
  return out;
}

function recordStats(r: LayerRecord, nnz: Map<MaskedParam, number>): LayerStats[] {
  const { node } = r;
  const spec = node.spec;
  const outElems = product(node.outShape), inElems = product(node.inShape);
  const act = activationOf(spec) === 'linear' ? 0 : outElems;
  const base = { name: node.name, type: spec.type };
  const weighted = (name: string, p: MaskedParam, bias: boolean): LayerStats => {
    const k = nnz.get(p)!;
    // The bias and activation belong to the layer's last kernel (the pointwise one of a separable).
    const extra = bias ? (r.biasSize ? outElems : 0) + act : 0;
    const biasParams = bias ? r.biasSize : 0, biasKept = bias ? r.biasKept : 0;
    return {
      name, type: spec.type, params: p.weight.size + biasParams, nonZeros: k + biasKept,
      sparsity: 1 - k / p.weight.size,
      denseFlops: 2 * p.weight.size * p.outputPositions + extra, sparseFlops: 2 * k * p.outputPositions + extra,
    };
  };
  const plain = (flops: number, params = 0): LayerStats[] =>
    flops || params ? [{ ...base, params, nonZeros: params, sparsity: 0, denseFlops: flops, sparseFlops: flops }] : [];
  switch (spec.type) {
    case 'dense': case 'conv2d': case 'depthwiseConv2d':
      return [weighted(node.name, r.kernels[0]!, true)];
    case 'separableConv2d':
      return [weighted(r.kernels[0]!.name, r.kernels[0]!, false), weighted(r.kernels[1]!.name, r.kernels[1]!, true)];
    case 'maxPool': case 'avgPool': return plain(spec.size * spec.size * outElems);
    case 'globalAvgPool': return plain(inElems);
    case 'batchNorm': return plain(2 * outElems, r.otherParams);
    case 'activation': return plain(act);
    case 'sum': return plain((spec.branches.length - 1) * outElems + act);
    case 'flatten': case 'dropout': return [];
  }
}
