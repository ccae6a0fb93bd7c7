import * as tf from '@tensorflow/tfjs';
import { explicitPad, inputGradAxis, spatialAxes } from './conv-geometry.js';
import { KernelError } from './kernel-error.js';
import { KernelScope } from './kernel-scope.js';

type Shape4 = [number, number, number, number];

/**
 * Conv2DBackpropInput as one forward convolution of dy (zero-inserted when strided) with the
 * spatially flipped, in/out-transposed filter. The stock wasm kernel is a naive loop: on
 * [128,14,14,32]→64 it takes ~700 ms against ~40 ms through XNNPACK's Conv2D.
 */
export function conv2DBackpropInputKernel(backendName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const format = tf.backend_util.convertConv2DDataFormat(dataFormat);
    if (format !== 'channelsLast') {
      throw new KernelError('Conv2DBackpropInput', `dataFormat ${dataFormat} is not supported on ${backendName}; use NHWC`);
    }
    const info = tf.backend_util.computeConv2DInfo(inputShape as Shape4, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false, format);
    const [, outH, outW] = dy.shape;
    const [rowsG, colsG] = spatialAxes(info, outH!, outW!);
    const rows = inputGradAxis(rowsG);
    const cols = inputGradAxis(colsG);
    return KernelScope.compose(backend, backendName, 'Conv2DBackpropInput', (s) => {
      const dyz = s.zeroInsert(dy, [rowsG.stride, colsG.stride]);
      const flipped = s.transpose(s.flipSpatial(filter), [0, 1, 3, 2]);
      const g = s.run('Conv2D', { x: dyz, filter: flipped }, {
        strides: 1,
        dilations: [rowsG.dilation, colsG.dilation],
        pad: explicitPad(rows, cols),
        dataFormat: 'NHWC',
      });
      const [n, , , c] = inputShape as Shape4;
      return s.slice(g, [0, rows.cropBegin, cols.cropBegin, 0], [n, rows.size, cols.size, c]);
    });
  };
}
