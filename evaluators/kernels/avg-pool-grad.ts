import * as tf from '@tensorflow/tfjs';
import { computeOnHost } from './host-memory.js';
import { KernelScope } from './kernel-scope.js';
import { forEachPoolWindow } from './pool-windows.js';
import { stockKernel } from './stock-kernels.js';

type Shape4 = [number, number, number, number];

/**
 * AvgPoolGrad as the exact derivative of tfjs's AvgPool: the forward divides each window by
 * the number of valid (non-padding) inputs it covers, so each input gets dy / count of every
 * window covering it. tfjs-cpu's own AvgPoolGrad divides by filterHeight·filterWidth always,
 * which is wrong at the borders of 'same'-padded pools (e.g. DARTS' avg_pool_3x3, whose
 * PyTorch original uses count_include_pad=False). For 'valid' pools both agree.
 */
export function avgPoolGradKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.AvgPoolGradAttrs & { dimRoundingMode?: 'floor' | 'round' | 'ceil' };
    const info = tf.backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad, dimRoundingMode);
    const { inHeight, inWidth, inChannels: channels, dilationHeight, dilationWidth } = info;
    return computeOnHost(backendName, backend, 'AvgPoolGrad', [dy], input.shape, (dx, dyv) => {
      forEachPoolWindow(info, (w) => {
        const rows = Math.ceil((w.rowEnd - w.rowStart) / dilationHeight);
        const cols = Math.ceil((w.colEnd - w.colStart) / dilationWidth);
        if (rows <= 0 || cols <= 0) return;
        const scale = 1 / (rows * cols);
        for (let r = w.rowStart; r < w.rowEnd; r += dilationHeight) {
          for (let q = w.colStart; q < w.colEnd; q += dilationWidth) {
            const base = ((w.batch * inHeight + r) * inWidth + q) * channels;
            for (let c = 0; c < channels; c++) dx[base + c] += dyv![w.dyBase + c]! * scale;
          }
        }
      });
    });
  };
}

/**
 * The same exact derivative on a GPU backend, without reading device memory: the stock
 * AvgPoolGrad (tfjs-backend-webgpu's also divides by filterHeight·filterWidth everywhere) on
 * dy scaled per window by filterHeight·filterWidth / valid count. The counts depend only on
 * the geometry, so they are computed on the host and uploaded as one [1, outH, outW, 1] factor.
 */
export function scaledAvgPoolGradKernel(backendName: string): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.AvgPoolGradAttrs & { dimRoundingMode?: 'floor' | 'round' | 'ceil' };
    const [, h, w, c] = input.shape as Shape4;
    const info = tf.backend_util.computePool2DInfo([1, h, w, c], filterSize, strides, 1, pad, dimRoundingMode);
    const full = info.filterHeight * info.filterWidth;
    const factor = new Float32Array(info.outHeight * info.outWidth);
    let clipped = false;
    forEachPoolWindow(info, (win) => {
      const count = Math.max(1, (win.rowEnd - win.rowStart) * (win.colEnd - win.colStart));
      factor[win.dyBase / info.outChannels] = full / count;
      if (count !== full) clipped = true;
    });
    const stock = stockKernel(backendName, 'AvgPoolGrad');
    if (!clipped) return stock.kernelFunc(args);
    return KernelScope.compose(backend, backendName, 'AvgPoolGrad', (s) => {
      const scaled = s.run('Multiply', { a: dy, b: s.constant([1, info.outHeight, info.outWidth, 1], factor) });
      return s.run('AvgPoolGrad', { dy: scaled, input }, attrs);
    });
  };
}
