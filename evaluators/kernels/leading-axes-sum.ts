import * as tf from '@tensorflow/tfjs';
import { computeOnHost } from './host-memory.js';
import { stockKernel } from './stock-kernels.js';

/**
 * Sum over leading axes (a bias gradient sums dy [N, H, W, C] over N, H, W) as one streaming
 * pass that adds each row of x[M, rest] into a float64 accumulator. Stock wasm Sum only reduces
 * innermost axes, so it first transposes the whole tensor; a matmul with ones would instead
 * re-pack x as XNNPACK weights on every call. On [128, 28, 28, 32] in a training step:
 * ~70 ms stock under load, a few ms here. Every other reduction goes to the stock kernel.
 */
export function leadingAxesSumKernel(backendName: string): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const x = inputs['x']!;
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') return stockKernel(backendName, 'Sum').kernelFunc(args);
    const rest = x.shape.slice(axes.length);
    const width = tf.util.sizeFromShape(rest);
    const outShape = keepDims ? [...axes.map(() => 1), ...rest] : rest;
    const acc = new Float64Array(width);
    return computeOnHost(backendName, backend, 'Sum', [x], outShape, (out, xv) => {
      for (let base = 0; base < xv!.length; base += width) {
        for (let c = 0; c < width; c++) acc[c] += xv![base + c]!;
      }
      out.set(acc);
    });
  };
}
