import * as tf from '@tensorflow/tfjs';
import { removedByKeep, type SeparableConv2DLayer } from '../../../search/index.js';
import { dilatedDepthwise } from '../../kernels/dilated-depthwise.js';
import { activate } from '../ops.js';
import { convExportGeometry } from './conv-export.js';
import { withBias } from './saved-names.js';
import type { LayerBuilder } from './types.js';

/** Depthwise (stride, dilation) then a 1×1 pointwise convolution; the bias follows the pointwise kernel. */
export const separableConv2dBuilder: LayerBuilder<SeparableConv2DLayer> = {
  type: 'separableConv2d',
  build(node, ctx) {
    const spec = node.spec;
    const own = removedByKeep(node.name, spec.keepNodes, spec.filters);
    const dw = ctx.kernel(node, 'depthwise_kernel', [], true);
    const pw = ctx.kernel(node, 'pointwise_kernel', own);
    const addBias = ctx.bias(node, own);
    return (x, o) => {
      const d = dilatedDepthwise(x as tf.Tensor4D, dw.value(o.weight) as tf.Tensor4D, spec.stride!, spec.dilation!, spec.padding!);
      return activate(addBias(tf.conv2d(d, pw.value(o.weight) as tf.Tensor4D, 1, 'valid')), spec.activation!);
    };
  },
  export(node, x, ctx) {
    const { filters, kernel, stride, dilation, padding, activation, useBias } = node.spec;
    const g = convExportGeometry(kernel, stride!, dilation!);
    const layer = tf.layers.separableConv2d({ name: node.name, filters, kernelSize: g.kernelSize, depthMultiplier: 1, strides: g.strides, dilationRate: g.dilationRate, padding, activation, useBias });
    ctx.load(layer, withBias(node, [`${node.name}/depthwise_kernel`, `${node.name}/pointwise_kernel`]), g.dilate);
    return layer.apply(x) as tf.SymbolicTensor;
  },
};
