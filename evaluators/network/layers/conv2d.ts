import * as tf from '@tensorflow/tfjs';
import { removedByKeep, type Conv2DLayer } from '../../../search/index.js';
import { dilateFilter } from '../../kernels/dilated-conv.js';
import { nativeConv2d } from '../../kernels/native/index.js';
import { activate } from '../ops.js';
import { sparseConvForward } from '../sparse-kernels.js';
import { convExportGeometry } from './conv-export.js';
import { withBias } from './saved-names.js';
import type { LayerBuilder } from './types.js';

/** Dilated filters are spread explicitly (`dilateFilter`): tfjs has no gradient for dilation > 1. */
export const conv2dBuilder: LayerBuilder<Conv2DLayer> = {
  type: 'conv2d',
  build(node, ctx) {
    const spec = node.spec;
    const own = removedByKeep(node.name, spec.keepNodes, spec.filters);
    const k = ctx.kernel(node, 'kernel', own);
    const addBias = ctx.bias(node, own);
    const geometry = { stride: spec.stride!, padding: spec.padding!, dilation: spec.dilation! };
    return (x, o) => {
      const sparse = sparseConvForward(x, k.param, addBias.tensor, spec.activation!, geometry, o);
      if (sparse) return sparse;
      const w = dilateFilter(k.value(o.weight) as tf.Tensor4D, spec.dilation!);
      // One native kernel (bias and ReLU fused, a fused gradient) where it runs; tfjs' ops otherwise.
      const fused = spec.activation === 'relu' ? 'relu' : 'linear';
      const y = nativeConv2d(x, w, addBias.tensor, fused, spec.stride!, spec.padding!);
      if (y) return fused === spec.activation ? y : activate(y, spec.activation!);
      return activate(addBias(tf.conv2d(x as tf.Tensor4D, w, spec.stride!, spec.padding!)), spec.activation!);
    };
  },
  export(node, x, ctx) {
    const { filters, kernel, stride, dilation, padding, activation, useBias } = node.spec;
    const g = convExportGeometry(kernel, stride!, dilation!);
    const layer = tf.layers.conv2d({ name: node.name, filters, kernelSize: g.kernelSize, strides: g.strides, dilationRate: g.dilationRate, padding, activation, useBias });
    ctx.load(layer, withBias(node, [`${node.name}/kernel`]), g.dilate);
    return layer.apply(x) as tf.SymbolicTensor;
  },
};
