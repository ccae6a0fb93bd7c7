import * as tf from '@tensorflow/tfjs';
import type { Activation } from '../../search/index.js';

/**
 * Seeded kernel initialisation. He-uniform, limit √(6 / fan_in) (He et al. 2015), for hidden
 * layers: the spaces build ReLU-family networks and a conv's activation often comes in a
 * later `activation` layer, so the layer alone cannot tell. Glorot-uniform, limit
 * √(6 / (fan_in + fan_out)) (Glorot & Bengio 2010), for the classifier and layers that
 * declare tanh or sigmoid. The seed makes the draw identical on every backend.
 */
export function initKernel(shape: number[], fanIn: number, fanOut: number, activation: Activation, classifier: boolean, seed: number): tf.Tensor {
  const glorot = classifier || activation === 'tanh' || activation === 'sigmoid';
  const limit = glorot ? Math.sqrt(6 / (fanIn + fanOut)) : Math.sqrt(6 / fanIn);
  return tf.randomUniform(shape, -limit, limit, 'float32', seed);
}
