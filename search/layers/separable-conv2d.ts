import type { Activation, LayerCommon } from '../architecture.js';
import { CONV_DEFAULTS, planFilters, positions } from './conv2d.js';
import { biasAndActivationFlops, fillDefaults, geometryToken, keptToken } from './geometry.js';
import type { LayerDescriptor } from './types.js';

/** Depthwise k×k followed by pointwise 1×1 to `filters` channels. */
export interface SeparableConv2DLayer extends LayerCommon {
  type: 'separableConv2d'; filters: number; kernel: number; stride?: number; padding?: 'same' | 'valid';
  dilation?: number; activation?: Activation;
  /** Bias after the pointwise kernel; default true (as tf.layers). */
  useBias?: boolean;
}

/**
 * Depthwise-separable convolution: two masked kernels, `<name>.depthwise` [k, k, C, 1] (stride
 * and dilation apply to it) and `<name>.pointwise` [1, 1, C, filters], which holds the bias.
 */
export const separableConv2dDescriptor: LayerDescriptor<SeparableConv2DLayer> = {
  type: 'separableConv2d',
  title: 'separable convolution',
  prefix: 'sep',
  weighted: true,
  withDefaults: (spec) => fillDefaults(CONV_DEFAULTS, spec),
  plan: planFilters,
  weights(node) {
    const { kernel: k, filters: f } = node.spec, c = node.inShape[2]!, taps = k * k, p = positions(node.outShape);
    const [ho, wo] = node.outShape as [number, number, number];
    return [
      { suffix: 'depthwise_kernel', shape: [k, k, c, 1], kernel: { param: `${node.name}.depthwise`, layerType: 'depthwiseConv2d', positions: p, fan: [taps, taps], outShape: [ho, wo, c] } },
      { suffix: 'pointwise_kernel', shape: [1, 1, c, f], kernel: { param: `${node.name}.pointwise`, layerType: 'conv2d', positions: p, fan: [c, f], outShape: node.outShape } },
      ...(node.spec.useBias ? [{ suffix: 'bias', shape: [f] }] : []),
    ];
  },
  extraFlops: (node) => biasAndActivationFlops(node.outShape, node.spec.useBias!, node.spec.activation!),
  describe: (l, ctx) => `sep${keptToken(l.filters, l.keepNodes)}k${l.kernel}${geometryToken(l.stride, l.dilation)}${ctx.activation(l)}`,
};
