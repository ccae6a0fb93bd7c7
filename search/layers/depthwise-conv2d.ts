import type { Activation, LayerCommon } from '../architecture.js';
import { CONV_DEFAULTS, convWindow, positions } from './conv2d.js';
import { biasAndActivationFlops, fillDefaults, geometryToken, imageInput, removedByKeep } from './geometry.js';
import type { LayerDescriptor } from './types.js';

export interface DepthwiseConv2DLayer extends LayerCommon {
  type: 'depthwiseConv2d'; kernel: number; stride?: number; padding?: 'same' | 'valid';
  dilation?: number; depthMultiplier?: number; activation?: Activation;
  /** Default true (as tf.layers). */
  useBias?: boolean;
}

/** Depthwise convolution, kernel [k, k, C, multiplier]: channel c feeds outputs c·mult … c·mult + mult − 1. */
export const depthwiseConv2dDescriptor: LayerDescriptor<DepthwiseConv2DLayer> = {
  type: 'depthwiseConv2d',
  title: 'depthwise convolution',
  prefix: 'dwconv',
  weighted: true,
  withDefaults: (spec) => fillDefaults({ ...CONV_DEFAULTS, depthMultiplier: 1 }, spec),
  plan(spec, input) {
    const [h, w, c] = imageInput(input.name, spec.type, input.shape);
    const [ho, wo] = convWindow(input.name, spec, h, w);
    const mult = spec.depthMultiplier!;
    // An output is gone when its own keepNodes drops it or its input channel was removed upstream.
    const removed = new Set(removedByKeep(input.name, spec.keepNodes, c * mult));
    for (const ch of input.removed) for (let j = 0; j < mult; j++) removed.add(ch * mult + j);
    return { outShape: [ho, wo, c * mult], removedOut: [...removed].sort((a, b) => a - b) };
  },
  weights(node) {
    const { kernel: k, depthMultiplier: mult } = node.spec, c = node.inShape[2]!, taps = k * k;
    return [
      { suffix: 'depthwise_kernel', shape: [k, k, c, mult!], kernel: { param: node.name, layerType: 'depthwiseConv2d', positions: positions(node.outShape), fan: [taps, taps * mult!], outShape: node.outShape } },
      ...(node.spec.useBias ? [{ suffix: 'bias', shape: [c * mult!] }] : []),
    ];
  },
  extraFlops: (node) => biasAndActivationFlops(node.outShape, node.spec.useBias!, node.spec.activation!),
  describe: (l, ctx) => `dw${l.kernel}${geometryToken(l.stride, l.dilation)}${ctx.activation(l)}`,
};
