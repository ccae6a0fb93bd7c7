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

/**
 * Spread a [kh, kw, a, b] filter to its dilated form ((kh−1)·d+1, (kw−1)·d+1) with zeros
 * between the taps. tfjs has no gradient for dilated convolutions on any backend, but a
 * plain convolution with this filter computes the same thing and every op here (reshape,
 * pad, slice) has a gradient, which flows back to the k×k taps only.
 */
export function dilateFilter(w: tf.Tensor4D, d: number): tf.Tensor4D {
  if (d === 1) return w;
  const [kh, kw, a, b] = w.shape;
  const rows = tf.reshape(w, [kh, 1, kw * a * b]);
  const rowsPadded = tf.reshape(tf.pad(rows, [[0, 0], [0, d - 1], [0, 0]]), [kh * d, kw, a * b]);
  const kH = (kh - 1) * d + 1, kW = (kw - 1) * d + 1;
  const cols = tf.reshape(tf.slice(rowsPadded, [0, 0, 0], [kH, kw, a * b]), [kH, kw, 1, a * b]);
  const colsPadded = tf.reshape(tf.pad(cols, [[0, 0], [0, 0], [0, d - 1], [0, 0]]), [kH, kw * d, a * b]);
  return tf.reshape(tf.slice(colsPadded, [0, 0, 0], [kH, kW, a * b]), [kH, kW, a, b]);
}
