import * as tf from '@tensorflow/tfjs';
import type { Activation } from '../../search/index.js';

/** Apply an activation with raw ops; formulas match tf.layers' so exported models agree. */
export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'linear': return x;
    case 'relu': return tf.relu(x);
    case 'tanh': return tf.tanh(x);
    case 'sigmoid': return tf.sigmoid(x);
    case 'elu': return tf.elu(x);
    case 'swish': return tf.mul(x, tf.sigmoid(x));
    // Exact GELU, x·Φ(x) (Hendrycks & Gimpel 2016), as tf.layers' 'gelu'.
    case 'gelu': return tf.mul(x, tf.mul(0.5, tf.add(1, tf.erf(tf.div(x, Math.SQRT2)))));
  }
}

