import { ArchitectureError } from '../errors.js';
import { convOutputSize, imageInput } from './geometry.js';
import type { LayerDescriptor, LayerWeight, PlanNode } from './types.js';

/**
 * DARTS' FactorizedReduce without its ReLU and BN (the DARTS op chains put those around it):
 * two 1×1 stride-2 convolutions without bias, `conv_1` on x and `conv_2` on x shifted by one
 * pixel (x[1:, 1:]), concatenated to `filters` channels. Halves h and w with no pixel left
 * unread. On an odd size the shifted input gets one zero row/column at its far edge, so both
 * halves have ceil(h/2) rows (DARTS itself only meets even sizes).
 */
export interface FactorizedReduceLayer { type: 'factorizedReduce'; filters: number; name?: string; sparsity?: number }

export const factorizedReduceDescriptor: LayerDescriptor<FactorizedReduceLayer> = {
  type: 'factorizedReduce',
  title: 'factorized reduce',
  prefix: 'fr',
  weighted: true,
  withDefaults: (spec) => spec,
  plan(spec, input) {
    const [h, w] = imageInput(input.name, spec.type, input.shape);
    if (!(Number.isInteger(spec.filters) && spec.filters >= 2 && spec.filters % 2 === 0)) {
      throw new ArchitectureError(input.name, `factorizedReduce ${input.name} needs an even number of filters ≥ 2 (two halves), got ${spec.filters}`);
    }
    return { outShape: [half(h), half(w), spec.filters], removedOut: [] };
  },
  weights: (node) => [halfKernel(node, 1), halfKernel(node, 2)],
  extraFlops: () => 0,
  describe: (l) => `fr${l.filters}`,
};

const half = (n: number) => convOutputSize(n, 1, 2, 1, 'valid');

function halfKernel(node: PlanNode<FactorizedReduceLayer>, i: 1 | 2): LayerWeight {
  const c = node.inShape[2]!, f = node.spec.filters / 2;
  const [ho, wo] = node.outShape as [number, number, number];
  return {
    suffix: `kernel_${i}`, shape: [1, 1, c, f],
    kernel: { param: `${node.name}.conv_${i}`, layerType: 'conv2d', positions: ho * wo, fan: [c, f], outShape: [ho, wo, f] },
  };
}
