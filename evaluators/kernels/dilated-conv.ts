import * as tf from '@tensorflow/tfjs';
import { KernelError } from './kernel-error.js';

type Pair = [number, number];
type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

function pair(v: number | Pair, what: string): Pair {
  const p: Pair = typeof v === 'number' ? [v, v] : v;
  if (!p.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new KernelError('dilatedConv2d', `${what} must be positive integers, got ${JSON.stringify(v)}`);
  }
  return p;
}

/**
 * The zero-dilated ("à trous") filter: taps spread `dilation` apart with zeros between,
 * [kh, kw, a, b] → [(kh−1)·dh+1, (kw−1)·dw+1, a, b]. Built from reshape, pad and slice, all
 * of which have gradients on every backend, so ∂L/∂filter flows back through it. Rows, then
 * columns, each a 3-D pad: tfjs-backend-webgpu's Pad shader has no type for rank 5 or 6.
 */
export function dilateFilter(filter: tf.Tensor4D, dilation: number | Pair): tf.Tensor4D {
  const [dh, dw] = pair(dilation, 'dilation');
  if (dh === 1 && dw === 1) return filter;
  const [kh, kw, a, b] = filter.shape;
  const ab = a * b, rows = (kh - 1) * dh + 1, cols = (kw - 1) * dw + 1;
  return tf.tidy(() => {
    // [kh, 1, kw·a·b] padded to [kh, dh, kw·a·b] is [kh·dh, kw, a·b] with dh − 1 zero rows after each row.
    const r = tf.pad(tf.reshape(filter, [kh, 1, kw * ab]), [[0, 0], [0, dh - 1], [0, 0]]);
    const tallRows = tf.slice(tf.reshape(r, [kh * dh, kw, ab]), [0, 0, 0], [rows, kw, ab]);
    const c = tf.pad(tf.reshape(tallRows, [rows * kw, 1, ab]), [[0, 0], [0, dw - 1], [0, 0]]);
    const wide = tf.slice(tf.reshape(c, [rows, kw * dw, ab]), [0, 0, 0], [rows, cols, ab]);
    return tf.reshape(wide, [rows, cols, a, b]) as tf.Tensor4D;
  });
}

/*
 * Dilated convolutions that can be trained. tfjs refuses the gradient of Conv2D and
 * DepthwiseConv2dNative when dilation > 1, on every backend ("dilation rates greater than
 * 1 are not yet supported in gradients"). These run a plain convolution with the explicitly
 * zero-dilated filter, which is the same function (Yu & Koltun 2016, eq. 2: F *_l k with the
 * taps of k spread l apart), so the stock gradients apply unchanged.
 *
 * Why this route rather than overriding the Conv2D gradient with tf.registerGradient: it
 * changes no global tfjs state, works on every backend (cpu, wasm, webgl, tfjs-node), and is
 * correct by construction. The price is arithmetic on the zeros: a 3×3 filter at dilation 2
 * costs as much as a 5×5 one (2.8×), 5×5 at dilation 2 as a 9×9 (3.2×). In DARTS' dil_conv the
 * dilated convolution is the depthwise one; the depthwise and separable layers skip the zeros at
 * dilation 2 with 'same' padding (dilated-depthwise.ts, the same function on pixel phases).
 * Unlike tf.conv2d, stride and dilation may both exceed 1.
 */

type Conv = (x: tf.Tensor4D, filter: tf.Tensor4D, strides: number | Pair, pad: Pad) => tf.Tensor4D;
type DilatedConv = (x: tf.Tensor4D, filter: tf.Tensor4D, dilation: number | Pair, strides?: number | Pair, pad?: Pad) => tf.Tensor4D;

const withDilatedFilter = (conv: Conv): DilatedConv => (x, filter, dilation, strides = 1, pad = 'same') => {
  pair(strides, 'strides');
  return tf.tidy(() => conv(x, dilateFilter(filter, dilation), strides, pad));
};

/** Conv2D with `dilation` (filter [kh, kw, inC, outC]), differentiable in x and filter on every backend. */
export const dilatedConv2d: DilatedConv = withDilatedFilter((x, f, s, p) => tf.conv2d(x, f, s, p));

/** Depthwise Conv2D with `dilation` (filter [kh, kw, C, multiplier]), differentiable on every backend. */
export const dilatedDepthwiseConv2d: DilatedConv = withDilatedFilter((x, f, s, p) => tf.depthwiseConv2d(x, f, s, p));
