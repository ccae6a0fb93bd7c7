import * as tf from '@tensorflow/tfjs';
import { computeOnHost } from './host-memory.js';
import { forEachPoolWindow } from './pool-windows.js';

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
