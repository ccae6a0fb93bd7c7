import * as tf from '@tensorflow/tfjs';
import { removedByKeep, type DenseLayer } from '../../../search/index.js';
import { activate } from '../ops.js';
import { sparseDenseForward } from '../sparse-kernels.js';
import { withBias } from './saved-names.js';
import type { LayerBuilder } from './types.js';

export const denseBuilder: LayerBuilder<DenseLayer> = {
  type: 'dense',
  build(node, ctx) {
    const spec = node.spec;
    const own = removedByKeep(node.name, spec.keepNodes, spec.units);
    const k = ctx.kernel(node, 'kernel', own);
    const addBias = ctx.bias(node, own);
    return (x, o) => sparseDenseForward(x, k.param, addBias.tensor, spec.activation!, o)
      ?? activate(addBias(tf.matMul(x as tf.Tensor2D, k.value(o.weight) as tf.Tensor2D)), spec.activation!);
  },
  export(node, x, ctx) {
    const { units, activation, useBias } = node.spec;
    const layer = tf.layers.dense({ name: node.name, units, activation, useBias });
    ctx.load(layer, withBias(node, [`${node.name}/kernel`]));
    return layer.apply(x) as tf.SymbolicTensor;
  },
};
