import { layerDescriptor, type LayerStats } from '../search/index.js';
import type { LayerRecord, Network } from './network/types.js';
import type { MaskedParam } from './sparse/types.js';

/**
 * Parameter and FLOP accounting, computed analytically from the plan and the masks
 * (tfjs has no sparse kernels, so sparse FLOPs are what a sparse kernel would do).
 *
 * Conventions, per sample, forward pass:
 * - `denseFlops` / `sparseFlops` count the weighted layers only, 2 FLOPs per multiply-add:
 *   dense 2·|W|·positions, sparse 2·nnz(M)·positions, positions = output h·w for
 *   convolutions, 1 for dense. This is the convention of the RigL and Sparse-IFT papers
 *   (their iso-FLOP comparisons) and of `spaces/flops.ts`, so a space's predicted FLOPs and
 *   the evaluator's measured ones agree.
 * - Everything else is `nonWeightFlops`, the same dense or sparse: a bias 1 per output
 *   element, a non-linear activation 1 per element (whatever the function), batch norm 2 per
 *   element (its inference form, a folded scale and shift), max/avg pooling size² per output
 *   element, global average pooling 1 per input element, a `sum` (branches − 1) per element;
 *   flatten and dropout are free.
 * - A training step costs 3× the forward pass (forward, input gradient, weight gradient),
 *   the usual convention of the RigL and Sparse-IFT papers.
 * Params are all trainable parameters (kernels, biases, BN γ/β); non-zeros are the unmasked
 * ones (biases of nodes removed by a node mask count as masked). Per-layer entries exist for
 * layers with parameters; a layer's `sparsity` is its kernel sparsity, 1 − nnz(M)/|W|; a
 * separable convolution gets two entries, `<name>.depthwise` and `<name>.pointwise` (which
 * holds the bias).
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
  /** Bias, normalisation, activation, pooling and sum FLOPs per sample (not in dense/sparseFlops). */
  nonWeightFlops: number;
  /** Training step per sample: 3 × (weight FLOPs + non-weight FLOPs). */
  denseTrainingFlops: number;
  sparseTrainingFlops: number;
}

export const TRAINING_STEP_FACTOR = 3;

export function countNetwork(net: Network): Accounting {
  const nnz = maskCounts(net.params);
  const layers: LayerStats[] = [];
  let nonWeightFlops = 0;
  for (const r of net.records) {
    layers.push(...recordStats(r, nnz));
    nonWeightFlops += otherFlops(r);
  }
  const sum = (f: (l: LayerStats) => number) => layers.reduce((a, l) => a + f(l), 0);
  const params = sum((l) => l.params), nonZeros = sum((l) => l.nonZeros);
  const kernelSize = net.params.reduce((a, p) => a + p.weight.size, 0);
  const kernelNnz = net.params.reduce((a, p) => a + nnz.get(p)!, 0);
  const denseFlops = sum((l) => l.denseFlops), sparseFlops = sum((l) => l.sparseFlops);
  return {
    layers, params, nonZeros, sparsity: params ? 1 - nonZeros / params : 0,
    weightSparsity: kernelSize ? 1 - kernelNnz / kernelSize : 0,
    denseFlops, sparseFlops, nonWeightFlops,
    denseTrainingFlops: TRAINING_STEP_FACTOR * (denseFlops + nonWeightFlops),
    sparseTrainingFlops: TRAINING_STEP_FACTOR * (sparseFlops + nonWeightFlops),
  };
}

/** Current sparsity of the masked kernels (cheap enough to call every epoch). */
export function weightSparsity(params: readonly MaskedParam[]): number {
  const nnz = maskCounts(params);
  const size = params.reduce((a, p) => a + p.weight.size, 0);
  return size ? 1 - params.reduce((a, p) => a + nnz.get(p)!, 0) / size : 0;
}

/**
 * Non-zeros per mask, counted on the host from the mask's values: a GPU backend that cannot
 * read synchronously (webgpu in Node) then only needs the masks downloaded first (see
 * evaluators/webgpu/host-reads.ts), not a reduction computed and read back here.
 */
function maskCounts(params: readonly MaskedParam[]): Map<MaskedParam, number> {
  const out = new Map<MaskedParam, number>();
  for (const p of params) {
    const m = p.mask.dataSync();
    let nnz = 0;
    for (let i = 0; i < m.length; i++) if (m[i] !== 0) nnz++;
    out.set(p, nnz);
  }
  return out;
}

function recordStats(r: LayerRecord, nnz: Map<MaskedParam, number>): LayerStats[] {
  const { node } = r;
  const spec = node.spec;
  // The bias belongs to the layer's last kernel (the pointwise one of a separable).
  const last = r.kernels.length - 1;
  const stats: LayerStats[] = r.kernels.map((p, i) => {
    const k = nnz.get(p)!;
    const name = r.kernels.length > 1 ? p.name : node.name;
    const biasParams = i === last ? r.biasSize : 0, biasKept = i === last ? r.biasKept : 0;
    return {
      name, type: spec.type, params: p.weight.size + biasParams, nonZeros: k + biasKept, sparsity: 1 - k / p.weight.size,
      denseFlops: 2 * p.weight.size * p.outputPositions, sparseFlops: 2 * k * p.outputPositions,
    };
  });
  if (r.otherParams) stats.push({ name: node.name, type: spec.type, params: r.otherParams, nonZeros: r.otherParams, sparsity: 0, denseFlops: 0, sparseFlops: 0 });
  return stats;
}

/** Non-weight FLOPs of one layer: the descriptor's (see the conventions above). */
function otherFlops(r: LayerRecord): number {
  return layerDescriptor(r.node.spec).extraFlops(r.node);
}
