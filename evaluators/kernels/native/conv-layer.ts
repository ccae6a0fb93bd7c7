import * as tf from '@tensorflow/tfjs';

import { fusedConv2d } from './conv-kernels.js';
import { type DenseAttrs, gradientAtPreActivation } from './dense-layer.js';
import type { NativeAddon } from './native-addon.js';
import type { KernelArgs } from './wasm-heap.js';

/**
 * A convolution layer `act(conv2d(x, W) + b)` (NHWC, HWIO, dilation 1) as one tfjs kernel on
 * the native addon, where tfjs runs Conv2D + Add + Relu forward (tf.fused.conv2d does not fuse
 * under a gradient tape) and Step + Multiply + Sum + both backprops backward, each element-wise
 * kernel a pass over the whole activation. Forward: the native convolution with bias and ReLU
 * in its GEMM epilogue. Backward: the dense layer's pass (dy masked where y > 0 and the bias
 * gradient, `SparsenasDenseGradZ`) over [N·H·W x C], then Conv2DBackpropInput/Filter, each
 * only when tfjs asks for it.
 */
export const NATIVE_CONV = 'SparsenasConv2D';

interface ConvAttrs extends DenseAttrs { strides: number; pad: 'same' | 'valid' }

function forwardKernel(addon: NativeAddon, args: KernelArgs): tf.TensorInfo {
  const { activation, strides, pad } = args.attrs as unknown as ConvAttrs;
  const attrs = { strides, pad, dataFormat: 'NHWC', dilations: 1, activation, leakyreluAlpha: 0 };
  const y = fusedConv2d(addon, { ...args, attrs: attrs as unknown as tf.NamedAttrMap });
  if (y === null) {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    throw new Error(`${NATIVE_CONV}: the native convolution does not cover x ${JSON.stringify(x.shape)} ${x.dtype}, filter ${JSON.stringify(filter.shape)} ${filter.dtype} (NHWC float32, bias one per filter)`);
  }
  return y;
}

let registered = false;
let enabled = false;

/** Registers the kernel and its gradient for wasm (once) and enables it; false when the addon lacks the gradient pass. */
export function installNativeConv(addon: NativeAddon): boolean {
  if (typeof addon.denseGradZ !== 'function') return false;
  if (!registered) {
    tf.registerKernel({ kernelName: NATIVE_CONV, backendName: 'wasm', kernelFunc: (args) => forwardKernel(addon, args) });
    tf.registerGradient({
      kernelName: NATIVE_CONV,
      inputsToSave: ['x', 'filter'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const a = attrs as unknown as ConvAttrs;
        const { dz, db } = gradientAtPreActivation(dy as tf.Tensor, y, a);
        const geometry = { strides: a.strides, pad: a.pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
        return {
          x: () => tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: dz, filter }, { ...geometry, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
          filter: () => tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: dz }, { ...geometry, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
          ...(db ? { bias: () => db } : {}),
        };
      },
    });
    registered = true;
  }
  enabled = true;
  return true;
}

/** Convolution layers go back to the tfjs composition (benchmarks compare both). */
export function disableNativeConv(): void {
  enabled = false;
}

/**
 * `act(conv2d(x, filter, stride, pad) + bias())` as one native kernel, or null when the tfjs
 * composition should run: another backend than wasm, the addon missing or uninstalled,
 * SPARSENAS_NATIVE_DENSE=0 (it switches both fused layer kinds), an activation other than
 * linear/ReLU, or tensors it does not cover (not float32 NHWC/HWIO, an empty dimension).
 */
export function nativeConv2d(x: tf.Tensor, filter: tf.Tensor, biasOf: (() => tf.Tensor) | undefined, activation: string, strides: number, pad: 'same' | 'valid'): tf.Tensor4D | null {
  if (!enabled || (activation !== 'relu' && activation !== 'linear') || process.env.SPARSENAS_NATIVE_DENSE === '0') return null;
  if (x.rank !== 4 || filter.rank !== 4 || x.dtype !== 'float32' || filter.dtype !== 'float32' || x.shape[3] !== filter.shape[2]) return null;
  if (x.size === 0 || filter.size === 0 || tf.getBackend() !== 'wasm') return null;
  const bias = biasOf?.();
  if (bias && (bias.dtype !== 'float32' || bias.rank !== 1 || bias.shape[0] !== filter.shape[3])) {
    throw new Error(`${NATIVE_CONV}: bias ${JSON.stringify(bias.shape)} ${bias.dtype} is not one float32 value per filter (${filter.shape[3]})`);
  }
  const inputs: tf.NamedTensorMap = { x, filter, ...(bias ? { bias } : {}) };
  const attrs: ConvAttrs = { activation, bias: bias !== undefined, strides, pad };
  return tf.engine().runKernel(NATIVE_CONV, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
