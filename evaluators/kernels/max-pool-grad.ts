import * as tf from '@tensorflow/tfjs';
import { computeOnHost } from './host-memory.js';
import { forEachPoolWindow } from './pool-windows.js';

type Shape4 = [number, number, number, number];

/**
 * MaxPoolGrad as one pass over the windows: find each window's first maximum per channel
 * (row-major, strict >, as tfjs-cpu's maxPoolPositions does, so ties after ReLU go to the
 * same element) and add dy there. O(windows · window size), channels innermost so memory is
 * read in order; the stock wasm kernel loops per input pixel over every covering window.
 */
export function maxPoolGradKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
    const { inHeight, inWidth, inChannels: channels, dilationHeight, dilationWidth } = info;
    const best = new Float32Array(channels);
    const where = new Int32Array(channels);
    const rowStride = inWidth * channels;
    return computeOnHost(backendName, backend, 'MaxPoolGrad', [input, dy], input.shape, (dx, x, dyv) => {
      forEachPoolWindow(info, (w) => {
        const corner = ((w.batch * inHeight + w.rowStart) * inWidth + w.colStart) * channels;
        if (w.rowEnd - w.rowStart === 2 && w.colEnd - w.colStart === 2 && dilationHeight === 1 && dilationWidth === 1) {
          // The 2×2 window of nearly every CNN, unrolled: ~1.5× faster than the general loop.
          const p1 = corner + channels, p2 = corner + rowStride, p3 = p2 + channels;
          for (let c = 0; c < channels; c++) {
            // Same rule as the general loop: first strict maximum above −∞, NaN never wins.
            let at = -1;
            let top = -Infinity;
            if (x![corner + c]! > top) { top = x![corner + c]!; at = corner + c; }
            if (x![p1 + c]! > top) { top = x![p1 + c]!; at = p1 + c; }
            if (x![p2 + c]! > top) { top = x![p2 + c]!; at = p2 + c; }
            if (x![p3 + c]! > top) { at = p3 + c; }
            if (at >= 0) dx[at] += dyv![w.dyBase + c]!;
          }
          return;
        }
        best.fill(-Infinity);
        where.fill(-1);
        for (let r = w.rowStart; r < w.rowEnd; r += dilationHeight) {
          for (let q = w.colStart; q < w.colEnd; q += dilationWidth) {
            const base = ((w.batch * inHeight + r) * inWidth + q) * channels;
            for (let c = 0; c < channels; c++) {
              const v = x![base + c]!;
              if (v > best[c]!) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        for (let c = 0; c < channels; c++) {
          const at = where[c]!;
          if (at >= 0) dx[at] += dyv![w.dyBase + c]!;
        }
      });
    });
  };
}
