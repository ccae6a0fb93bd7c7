import * as tf from '@tensorflow/tfjs';
import { dilateFilter } from './dilated-conv.js';

/**
 * A trainable depthwise convolution with dilation, 'same' or 'valid' padding, stride 1 or 2:
 * the same function as `tf.depthwiseConv2d(x, dilateFilter(filter, d), stride, padding)`, but
 * for dilation 2, 'same' padding and odd kernels (DARTS' dil_conv_3x3 / dil_conv_5x5) it runs
 * an undilated k×k convolution on the pixel phases instead of a (2k−1)×(2k−1) one on zeros
 * (9 instead of 25 taps for 3×3, 25 instead of 81 for 5×5):
 * - stride 1: out[2m + r] = Σ_t x[2m + r + 2t − (k−1)] = Σ_t x_r[m + t − (k−1)/2], with
 *   x_r = x[r::2], so each of the four (row, column) phases is a 'same' k×k convolution of
 *   its own phase; the phases travel as channels ([n, ⌈h/2⌉, ⌈w/2⌉, 4c], the filter tiled)
 *   and are interleaved back. An odd size gets a zero row/column at its far edge, which
 *   the 'same' padding would have read as zero anyway.
 * - stride 2: tfjs' 'same' puts ⌊(total padding)/2⌋ before, so every tap reads the odd
 *   pixels of an even size and the even pixels of an odd one: a 'same' k×k convolution of
 *   that phase alone.
 * Only reshape, transpose, pad, slice and tile around a stock depthwise convolution, all with
 * gradients on every backend, at rank ≤ 4 (webgpu). Other geometries take the explicit filter.
 */
export function dilatedDepthwise(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, dilation: number, padding: 'same' | 'valid'): tf.Tensor4D {
  if (dilation === 1) return tf.depthwiseConv2d(x, filter, stride, padding);
  const [kh, kw] = filter.shape;
  if (dilation !== 2 || padding !== 'same' || kh % 2 === 0 || kw % 2 === 0 || (stride !== 1 && stride !== 2)) {
    return tf.depthwiseConv2d(x, dilateFilter(filter, dilation), stride, padding);
  }
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const H = Math.ceil(h / 2), W = Math.ceil(w / 2);
    const even = h % 2 || w % 2 ? tf.pad(x, [[0, 0], [0, h % 2], [0, w % 2], [0, 0]]) : x;
    if (stride === 2) {
      const ph = h % 2 ? 0 : 1, pw = w % 2 ? 0 : 1;
      const rows = tf.slice(tf.reshape(even, [n, H, 2, 2 * W * c]), [0, 0, ph, 0], [n, H, 1, 2 * W * c]);
      const phase = tf.slice(tf.reshape(rows, [n * H, W, 2, c]), [0, 0, pw, 0], [n * H, W, 1, c]);
      return tf.depthwiseConv2d(tf.reshape(phase, [n, H, W, c]), filter, 1, 'same');
    }
    // [n·H, 2 (row phase), 2W, c] → [n·H, 2W, 2, c] = [n, H, W, (column phase, row phase, c)].
    const phases = tf.reshape(tf.transpose(tf.reshape(even, [n * H, 2, 2 * W, c]), [0, 2, 1, 3]), [n, H, W, 4 * c]) as tf.Tensor4D;
    const y = tf.depthwiseConv2d(phases, tf.tile(filter, [1, 1, 4, 1]), 1, 'same');
    const out = y.shape[3]! / 4;
    const back: tf.Tensor4D = tf.reshape(tf.transpose(tf.reshape(y, [n * H, 2 * W, 2, out]), [0, 2, 1, 3]), [n, 2 * H, 2 * W, out]) as tf.Tensor4D;
    return h % 2 || w % 2 ? tf.slice(back, [0, 0, 0, 0], [n, h, w, out]) : back;
  });
}
