import * as tf from '@tensorflow/tfjs';
import { explicitPad, filterGradAxis, spatialAxes } from './conv-geometry.js';
import { KernelScope } from './kernel-scope.js';

type Shape4 = [number, number, number, number];

/**
 * DepthwiseConv2dNativeBackpropFilter (missing on stock wasm) as one depthwise convolution.
 * Each (sample, channel) pair becomes its own channel: x as [1, H, W, N·C], dy as an
 * [oh, ow, N·C, M] depthwise filter, stride = dilation and dilation = stride (see
 * conv-geometry.ts). The result [1, kh, kw, N·C·M] is summed over N. No cross-channel work
 * is wasted, unlike a dense Conv2D over the transposed tensors would (C× more arithmetic).
 */
export function depthwiseBackpropFilterKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape as Shape4, strides, dilations ?? 1, pad, dimRoundingMode, true);
    const [n, h, w, c] = x.shape as Shape4;
    const [kh, kw, , m] = filterShape as Shape4;
    const [, outH, outW] = dy.shape as Shape4;
    const [rowsG, colsG] = spatialAxes(info, outH, outW);
    const rows = filterGradAxis(rowsG);
    const cols = filterGradAxis(colsG);
    return KernelScope.compose(backend, backendName, 'DepthwiseConv2dNativeBackpropFilter', (s) => {
      const xr = s.reshape(s.transpose(x, [1, 2, 0, 3]), [1, h, w, n * c]);
      const dyr = s.reshape(s.transpose(dy, [1, 2, 0, 3]), [outH, outW, n * c, m]);
      const g = s.run('DepthwiseConv2dNative', { x: xr, filter: dyr }, {
        strides: [rowsG.dilation, colsG.dilation],
        dilations: [rowsG.stride, colsG.stride],
        pad: explicitPad(rows, cols),
      });
      const cropped = s.slice(g, [0, 0, 0, 0], [1, kh, kw, n * c * m]);
      const perSample = s.reshape(cropped, [kh, kw, n, c * m]);
      const summed = n === 1 ? perSample : s.sum(perSample, 2);
      return s.reshape(summed, [kh, kw, c, m]);
    });
  };
}
