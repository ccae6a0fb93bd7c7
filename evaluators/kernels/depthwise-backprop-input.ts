import * as tf from '@tensorflow/tfjs';
import { explicitPad, inputGradAxis, spatialAxes } from './conv-geometry.js';
import { KernelScope } from './kernel-scope.js';

type Shape4 = [number, number, number, number];

/**
 * DepthwiseConv2dNativeBackpropInput (missing on stock wasm) as one depthwise convolution
 * of dy (zero-inserted when strided) with the spatially flipped filter, one output channel
 * per (channel, multiplier) pair; the multiplier axis is then summed away.
 */
export function depthwiseBackpropInputKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
    const info = tf.backend_util.computeConv2DInfo(inputShape as Shape4, filter.shape as Shape4, strides, dilations ?? 1, pad, dimRoundingMode, true);
    const [n, h, w, c] = inputShape as Shape4;
    const [kh, kw, , m] = filter.shape as Shape4;
    const [, outH, outW] = dy.shape as Shape4;
    const [rowsG, colsG] = spatialAxes(info, outH, outW);
    const rows = inputGradAxis(rowsG);
    const cols = inputGradAxis(colsG);
    return KernelScope.compose(backend, backendName, 'DepthwiseConv2dNativeBackpropInput', (s) => {
      const dyz = s.zeroInsert(dy, [rowsG.stride, colsG.stride]);
      const flipped = s.reshape(s.flipSpatial(filter), [kh, kw, c * m, 1]);
      const g = s.run('DepthwiseConv2dNative', { x: dyz, filter: flipped }, {
        strides: 1,
        dilations: [rowsG.dilation, colsG.dilation],
        pad: explicitPad(rows, cols),
      });
      const cropped = s.slice(g, [0, rows.cropBegin, cols.cropBegin, 0], [n, h, w, c * m]);
      if (m === 1) return cropped;
      return s.sum(s.reshape(cropped, [n, h, w, c, m]), 4);
    });
  };
}
