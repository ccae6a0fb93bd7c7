import type { Activation, LayerCommon } from '../architecture.js';
import { biasAndActivationFlops, fillDefaults, geometryToken, imageInput, keptToken, removedByKeep, windowOutput } from './geometry.js';
import type { SeparableConv2DLayer } from './separable-conv2d.js';
import type { LayerDescriptor, PlanState, Planned } from './types.js';

export interface Conv2DLayer extends LayerCommon {
  type: 'conv2d'; filters: number; kernel: number; stride?: number; padding?: 'same' | 'valid';
  dilation?: number; activation?: Activation; useBias?: boolean;
}

/** 2-D convolution, kernel [k, k, inC, filters]; defaults stride 1, padding `same`, dilation 1, bias on (as tf.layers). */
export const conv2dDescriptor: LayerDescriptor<Conv2DLayer> = {
  type: 'conv2d',
  title: 'convolution',
  prefix: 'conv',
  weighted: true,
  withDefaults: (spec) => fillDefaults(CONV_DEFAULTS, spec),
  plan: planFilters,
  weights(node) {
    const { kernel: k, filters: f } = node.spec, cin = node.inShape[2]!, taps = k * k;
    return [
      { suffix: 'kernel', shape: [k, k, cin, f], kernel: { param: node.name, layerType: 'conv2d', positions: positions(node.outShape), fan: [taps * cin, taps * f], outShape: node.outShape } },
      ...(node.spec.useBias ? [{ suffix: 'bias', shape: [f] }] : []),
    ];
  },
  extraFlops: (node) => biasAndActivationFlops(node.outShape, node.spec.useBias!, node.spec.activation!),
  describe: (l, ctx) => `c${keptToken(l.filters, l.keepNodes)}k${l.kernel}${geometryToken(l.stride, l.dilation)}${ctx.activation(l)}`,
};

/** Defaults of the convolutions with `filters` (as tf.layers). */
export const CONV_DEFAULTS = { stride: 1, padding: 'same', dilation: 1, activation: 'linear', useBias: true } as const;

/** Output [h', w', filters] of a convolution with `filters` outputs, and the filters its `keepNodes` removes. */
export function planFilters(spec: Conv2DLayer | SeparableConv2DLayer, input: PlanState & { name: string }): Planned {
  const [h, w] = imageInput(input.name, spec.type, input.shape);
  const [ho, wo] = convWindow(input.name, spec, h, w);
  return { outShape: [ho, wo, spec.filters], removedOut: removedByKeep(input.name, spec.keepNodes, spec.filters) };
}

/** Output size of a k×k window (a conv, depthwise or separable layer's), refusing one that does not fit. */
export function convWindow(name: string, spec: { kernel: number; stride?: number; dilation?: number; padding?: 'same' | 'valid' }, h: number, w: number): [number, number] {
  const k = spec.kernel, s = spec.stride!, d = spec.dilation!, pad = spec.padding!;
  return windowOutput(h, w, k, s, d, pad, () => `layer ${name}: a ${k}×${k} kernel (dilation ${d}, padding ${pad}) does not fit a ${h}×${w} input; use padding 'same' or fewer stride-2 layers`, name);
}

/** Output positions per sample: h·w of an image output, 1 for a vector. */
export function positions(outShape: readonly number[]): number {
  return outShape.length === 3 ? outShape[0]! * outShape[1]! : 1;
}
