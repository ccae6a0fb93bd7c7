import * as tf from '@tensorflow/tfjs';
import { removedByKeep, type Activation, type DenseLayer } from '../../../search/index.js';
import { nativeDense } from '../../kernels/native/index.js';
import { activate } from '../ops.js';
import { sparseDenseForward } from '../sparse-kernels.js';
import { withBias } from './saved-names.js';
import type { BiasAdd, LayerBuilder } from './types.js';

/**
 * `act(x · w + b)` on the dense route: one native kernel (GEMM with bias and ReLU fused, a
 * fused gradient) on wasm with the addon, else tfjs' matMul, add and activation.
 */
export function denseForward(x: tf.Tensor, w: tf.Tensor, addBias: BiasAdd, activation: Activation): tf.Tensor {
  const fused = activation === 'relu' ? 'relu' : 'linear';
  const y = nativeDense(x, w, addBias.tensor, fused);
  if (y) return fused === activation ? y : activate(y, activation);
  return activate(addBias(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D)), activation);
}

export const denseBuilder: LayerBuilder<DenseLayer> = {
  type: 'dense',
  build(node, ctx) {
    const spec = node.spec;
    const own = removedByKeep(node.name, spec.keepNodes, spec.units);
    const k = ctx.kernel(node, 'kernel', own);
    const addBias = ctx.bias(node, own);
    return (x, o) => sparseDenseForward(x, k.param, addBias.tensor, spec.activation!, o)
      ?? denseForward(x, k.value(o.weight), addBias, spec.activation!);
  },
  export(node, x, ctx) {
    const { units, activation, useBias } = node.spec;
    const layer = tf.layers.dense({ name: node.name, units, activation, useBias });
    ctx.load(layer, withBias(node, [`${node.name}/kernel`]));
    return layer.apply(x) as tf.SymbolicTensor;
  },
};
