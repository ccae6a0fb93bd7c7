import type { Activation, LayerCommon } from '../architecture.js';
import { ArchitectureError } from '../errors.js';
import { biasAndActivationFlops, fillDefaults, keptToken, removedByKeep } from './geometry.js';
import type { LayerDescriptor } from './types.js';

export interface DenseLayer extends LayerCommon { type: 'dense'; units: number; activation?: Activation; useBias?: boolean }

/** Fully connected layer, kernel [in, units]; an image input is flattened first. */
export const denseDescriptor: LayerDescriptor<DenseLayer> = {
  type: 'dense',
  title: 'dense',
  prefix: 'dense',
  weighted: true,
  flatInput: true,
  withDefaults: (spec) => fillDefaults({ activation: 'linear', useBias: true }, spec),
  plan(spec, input) {
    if (input.shape.length !== 1) throw new ArchitectureError(input.name, `dense layer ${input.name} gets a [${input.shape.join(', ')}] input`);
    return { outShape: [spec.units], removedOut: removedByKeep(input.name, spec.keepNodes, spec.units) };
  },
  weights(node) {
    const din = node.inShape[0]!, units = node.spec.units;
    return [
      { suffix: 'kernel', shape: [din, units], kernel: { param: node.name, layerType: 'dense', positions: 1, fan: [din, units], outShape: [units] } },
      ...(node.spec.useBias ? [{ suffix: 'bias', shape: [units] }] : []),
    ];
  },
  extraFlops: (node) => biasAndActivationFlops(node.outShape, node.spec.useBias!, node.spec.activation!),
  describe: (spec, ctx) => keptToken(spec.units, spec.keepNodes) + ctx.activation(spec),
};
