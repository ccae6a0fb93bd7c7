import { layerDescriptor, planNetwork, planNodes, product } from './layers/index.js';
import type { PlanNode } from './layers/index.js';
import type { Architecture, SparsitySpec } from './architecture.js';

/**
 * Analytic accounting of an architecture, without tfjs: parameters, weights and forward
 * FLOPs per sample, dense and sparse. It plans the network exactly as the evaluator does
 * (`planNetwork`, the layer registry) and reads each layer's weights from its descriptor, so
 * names, shapes and counts are the evaluator's. Conventions (the evaluator measures the same
 * way): FLOPs = 2 × multiply-adds of the sparsifiable kernels; biases, normalisation, pooling
 * and activations add parameters but no FLOPs here; a layer's sparse FLOPs are its dense FLOPs
 * × its density. Layer sparsity: the layer's `sparsity` override, else the architecture's
 * level (uniform distribution), with the first weighted layer(s) and the classifier dense when
 * `keepFirstDense` / `keepLastDense` are set. N:M layers have density N/M. ERK distributions
 * are only known to the evaluator.
 */
export interface LayerCount {
  name: string;
  type: string;
  /** Weights of the kernel(s) only. */
  weights: number;
  /** Weights + biases + normalisation parameters. */
  params: number;
  sparsity: number;
  denseFlops: number;
  sparseFlops: number;
  outputShape: number[];
}

export interface ArchitectureCount {
  layers: LayerCount[];
  params: number;
  weights: number;
  nonZeros: number;
  denseFlops: number;
  sparseFlops: number;
  /** Input shape of each top-level layer of `arch.layers`, in order. */
  layerInputs: number[][];
}

export function countArchitecture(arch: Architecture, inputShape: number[], classes: number): ArchitectureCount {
  const plan = planNetwork(arch, inputShape, classes);
  const layers: LayerCount[] = [];
  for (const node of planNodes(plan.nodes)) layers.push(...countNode(node, arch.sparsity));
  const sum = (f: (l: LayerCount) => number) => layers.reduce((a, l) => a + f(l), 0);
  return {
    layers, params: sum((l) => l.params), weights: sum((l) => l.weights),
    nonZeros: sum((l) => l.params - Math.round(l.weights * l.sparsity)),
    denseFlops: sum((l) => l.denseFlops), sparseFlops: sum((l) => l.sparseFlops),
    layerInputs: plan.nodes.filter((n) => !n.inserted).map((n) => n.inShape),
  };
}

/**
 * One entry per kernel (the layer's name, or `<layer>.<part>` when it has several; the bias
 * counts with the last kernel) and one for normalisation parameters, as the evaluator's
 * per-layer statistics.
 */
function countNode(node: PlanNode, s: SparsitySpec): LayerCount[] {
  const weights = layerDescriptor(node.spec).weights(node);
  const kernels = weights.filter((w) => w.kernel);
  const bias = weights.find((w) => w.suffix === 'bias');
  const other = weights.filter((w) => !w.kernel && w !== bias).reduce((a, w) => a + product(w.shape), 0);
  const level = sparsityOf(node, s);
  const out: LayerCount[] = kernels.map((w, i) => {
    const k = w.kernel!, size = product(w.shape), macs = size * k.positions;
    const extra = i === kernels.length - 1 && bias ? product(bias.shape) : 0;
    return {
      name: kernels.length > 1 ? k.param : node.name, type: node.spec.type, weights: size, params: size + extra,
      sparsity: level, denseFlops: 2 * macs, sparseFlops: 2 * macs * (1 - level), outputShape: k.outShape,
    };
  });
  if (other) out.push({ name: node.name, type: node.spec.type, weights: 0, params: other, sparsity: 0, denseFlops: 0, sparseFlops: 0, outputShape: node.outShape });
  return out;
}

function sparsityOf(node: PlanNode, s: SparsitySpec): number {
  if ('sparsity' in node.spec && node.spec.sparsity !== undefined) return node.spec.sparsity;
  if (node.role === 'first' && s.keepFirstDense) return 0;
  if (node.role === 'classifier' && s.keepLastDense) return 0;
  return s.level;
}

