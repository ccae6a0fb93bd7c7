import * as tf from '@tensorflow/tfjs';

import type { NativeAddon } from './native-addon.js';
import { type KernelArgs, WasmHeap } from './wasm-heap.js';

/**
 * Training-mode batch normalisation as two native kernels (native/src/batch-norm.c): the
 * forward (batch mean, biased variance, y = x·scale + shift) in two passes over x plus the
 * output, and its whole gradient (dx through the batch statistics, dγ, dβ) in one pass of
 * sums and one of dx, where tfjs' composition runs about six full-size kernels forward and ten
 * back. They carry no tape gradient of their own: the layer's tf.customGrad calls them.
 */
export const BATCH_NORM = 'SparsenasBatchNorm';
export const BATCH_NORM_GRAD = 'SparsenasBatchNormGrad';

interface Attrs { eps: number }

const rowsAndChannels = (shape: number[]): [number, number] => {
  const ch = shape[shape.length - 1]!;
  return [tf.util.sizeFromShape(shape) / ch, ch];
};

function forwardKernel(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma?: tf.TensorInfo; beta?: tf.TensorInfo };
  const [rows, ch] = rowsAndChannels(x.shape);
  const mem = new WasmHeap(backend);
  const y = mem.output([...x.shape]), mean = mem.output([ch]), variance = mem.output([ch]);
  addon.batchNorm!(mem.heap, 0, mem.offset(x), mem.offset(gamma), mem.offset(beta), mem.offset(y), mem.offset(mean), mem.offset(variance), -1, -1, rows, ch, (attrs as unknown as Attrs).eps);
  return [y, mean, variance];
}

function gradKernel(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { dy, xs, mean, variance, gamma } = inputs as { dy: tf.TensorInfo; xs: tf.TensorInfo; mean?: tf.TensorInfo; variance: tf.TensorInfo; gamma?: tf.TensorInfo };
  const [rows, ch] = rowsAndChannels(xs.shape);
  const mem = new WasmHeap(backend);
  const dx = mem.output([...xs.shape]);
  const affine = gamma !== undefined;
  const dgamma = affine ? mem.output([ch]) : undefined, dbeta = affine ? mem.output([ch]) : undefined;
  addon.batchNorm!(mem.heap, 1, mem.offset(dy), mem.offset(xs), mem.offset(gamma), mem.offset(dx), mem.offset(mean), mem.offset(variance), mem.offset(dgamma), mem.offset(dbeta), rows, ch, (attrs as unknown as Attrs).eps);
  return affine ? [dx, dgamma!, dbeta!] : [dx];
}

let registered = false;
let enabled = false;

/** Registers the two kernels for wasm (once) and enables them; false when the addon predates them. */
export function installNativeBatchNorm(addon: NativeAddon): boolean {
  if (typeof addon.batchNorm !== 'function') return false;
  if (!registered) {
    tf.registerKernel({ kernelName: BATCH_NORM, backendName: 'wasm', kernelFunc: (args) => forwardKernel(addon, args) });
    tf.registerKernel({ kernelName: BATCH_NORM_GRAD, backendName: 'wasm', kernelFunc: (args) => gradKernel(addon, args) });
    registered = true;
  }
  enabled = true;
  return true;
}

/** Batch norm goes back to tfjs' composition (benchmarks and tests compare both); installNativeBatchNorm turns it on. */
export function disableNativeBatchNorm(): void {
  enabled = false;
}

/** Whether the native kernels run for x here: wasm with the addon, float32, not SPARSENAS_NATIVE_BN=0. */
export function nativeBatchNormRuns(x: tf.Tensor): boolean {
  return enabled && process.env.SPARSENAS_NATIVE_BN !== '0' && tf.getBackend() === 'wasm' && x.dtype === 'float32' && x.size > 0 && x.rank >= 1;
}

/** The forward: [y, batch mean, biased batch variance]. Call only where nativeBatchNormRuns(x). */
export function nativeBatchNormForward(x: tf.Tensor, eps: number, gamma?: tf.Tensor, beta?: tf.Tensor): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  const inputs: tf.NamedTensorMap = { x, ...(gamma ? { gamma } : {}), ...(beta ? { beta } : {}) };
  return tf.engine().runKernel(BATCH_NORM, inputs, { eps } as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
}

/**
 * The gradient at dy: [dx, dγ, dβ] with gamma, else [dx]. `xs` is x, or without gamma the
 * forward's output (x̂ itself: pass no mean).
 */
export function nativeBatchNormGrad(dy: tf.Tensor, xs: tf.Tensor, variance: tf.Tensor, eps: number, mean?: tf.Tensor, gamma?: tf.Tensor): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = { dy, xs, variance, ...(mean ? { mean } : {}), ...(gamma ? { gamma } : {}) };
  return tf.engine().runKernel(BATCH_NORM_GRAD, inputs, { eps } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
}
