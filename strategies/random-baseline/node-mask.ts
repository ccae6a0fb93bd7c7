import { SparsenasError } from '../../search/index.js';
import type { Architecture, LayerSpec, Rng } from '../../search/index.js';

/**
 * Node masks for the Random Search baseline (Farahani 2024): a node is a hidden unit of a
 * dense layer or an output channel of a conv layer. At node sparsity s a layer of n nodes keeps
 * ⌈(1 − s)·n⌉ of them, drawn uniformly without replacement; the evaluator then removes every
 * weight into and out of the others. The classifier is appended by the evaluator and the input
 * is not a layer, so neither is ever masked.
 */
export function keptNodeCount(n: number, s: number): number {
  // (1 − 0.7)·10 is 3.0000000000000004 in binary: absorb that before the ceiling, or 3 becomes 4.
  return Math.max(1, Math.min(n, Math.ceil((1 - s) * n - 1e-9)));
}

/** Number of maskable nodes of a top-level layer (undefined for layers without nodes of their own). */
export function nodeCount(l: LayerSpec): number | undefined {
  if (l.type === 'dense') return l.units;
  // Depthwise channels are tied to their input channels: masking the input already removes them.
  if (l.type === 'conv2d' || l.type === 'separableConv2d') return l.filters;
  return undefined;
}

/** A copy of `parent` with a random node mask at node sparsity `s` on every hidden dense/conv layer. */
export function randomNodeMask(parent: Architecture, s: number, rng: Rng): Architecture {
  if (!(s >= 0 && s < 1)) throw new SparsenasError('STRATEGY_OPTION', `random-baseline: node sparsity must be in [0, 1), got ${s}`);
  if (parent.layers.some((l) => l.type === 'sum')) {
    throw new SparsenasError('STRATEGY_OPTION', 'random-baseline masks the nodes of a plain network; the parent has sum (branch) layers, pick an mlp or cnn base');
  }
  const layers = parent.layers.map((l): LayerSpec => {
    const n = nodeCount(l);
    if (n === undefined || s === 0) return l;
    const keep = rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, keptNodeCount(n, s)).sort((a, b) => a - b);
    return { ...l, keepNodes: keep } as LayerSpec;
  });
  if (!layers.some((l) => nodeCount(l) !== undefined)) {
    throw new SparsenasError('STRATEGY_OPTION', 'random-baseline: the parent network has no hidden dense or conv layer to mask; give it at least one');
  }
  return { ...parent, layers, meta: { ...(parent.meta ?? {}), nodeSparsity: s } };
}
