import * as tf from '@tensorflow/tfjs';
import { removedByKeep, type DepthwiseConv2DLayer } from '../../../search/index.js';
import { dilatedDepthwise } from '../../kernels/dilated-depthwise.js';
import { activate } from '../ops.js';
import { convExportGeometry } from './conv-export.js';
import { withBias } from './saved-names.js';
import type { LayerBuilder } from './types.js';

export const depthwiseConv2dBuilder: LayerBuilder<DepthwiseConv2DLayer> = {
  type: 'depthwiseConv2d',
  build(node, ctx) {
    const spec = node.spec;
    const own = removedByKeep(node.name, spec.keepNodes, node.inShape[2]! * spec.depthMultiplier!);
    const k = ctx.kernel(node, 'depthwise_kernel', own, true);
    const addBias = ctx.bias(node, own);
    return (x, o) => {
      const w = k.value(o.weight) as tf.Tensor4D;
      return activate(addBias(dilatedDepthwise(x as tf.Tensor4D, w, spec.stride!, spec.dilation!, spec.padding!)), spec.activation!);
    };
  },
  export(node, x, ctx) {
    const { kernel, depthMultiplier, stride, dilation, padding, activation, useBias } = node.spec;
    const g = convExportGeometry(kernel, stride!, dilation!);
    const layer = tf.layers.depthwiseConv2d({ name: node.name, kernelSize: g.kernelSize, depthMultiplier, strides: g.strides, dilationRate: g.dilationRate, padding, activation, useBias });
    ctx.load(layer, withBias(node, [`${node.name}/depthwise_kernel`]), g.dilate);
    return layer.apply(x) as tf.SymbolicTensor;
  },
};
