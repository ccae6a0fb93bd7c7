import * as tf from '@tensorflow/tfjs';

import type { NativeAddon } from './native-addon.js';
import { type Inputs, type KernelArgs, WasmHeap } from './wasm-heap.js';

/**
 * tf.losses.softmaxCrossEntropy(labels, logits) with its defaults (no weights, no label
 * smoothing, mean over the batch) as one native kernel forward and one backward
 * (native/src/softmax-xent.c), where tfjs runs ~15 small kernels forward and as many back
 * (logSumExp, sub, mul, neg, sum, mean, and their gradients). Same gradients as tfjs':
 * ∂/∂logits = dy · (softmax − labels) / batch, and its negation for the labels.
 */
export const SOFTMAX_XENT = 'SparsenasSoftmaxXent';
const SOFTMAX_XENT_GRAD = 'SparsenasSoftmaxXentGrad';

function lossKernel(addon: NativeAddon, { inputs, backend }: KernelArgs): tf.TensorInfo {
  const { labels, logits } = inputs as unknown as Inputs<'labels' | 'logits'>;
  const [rows, cols] = logits.shape as [number, number];
  const mem = new WasmHeap(backend);
  const loss = mem.output([]);
  addon.softmaxXent!(mem.heap, mem.offset(logits), mem.offset(labels), mem.offset(loss), rows, cols, -1);
  return loss;
}

function gradKernel(addon: NativeAddon, { inputs, backend }: KernelArgs): tf.TensorInfo {
  const { labels, logits, dy } = inputs as unknown as Inputs<'labels' | 'logits' | 'dy'>;
  const [rows, cols] = logits.shape as [number, number];
  const mem = new WasmHeap(backend);
  const dz = mem.output([rows, cols]);
  addon.softmaxXent!(mem.heap, mem.offset(logits), mem.offset(labels), mem.offset(dz), rows, cols, mem.offset(dy));
  return dz;
}

let registered = false;
let enabled = false;

/** Registers the kernels and the gradient for wasm (once) and enables them; false when the addon predates them. */
export function installSoftmaxXent(addon: NativeAddon): boolean {
  if (typeof addon.softmaxXent !== 'function') return false;
  if (!registered) {
    tf.registerKernel({ kernelName: SOFTMAX_XENT, backendName: 'wasm', kernelFunc: (args) => lossKernel(addon, args) });
    tf.registerKernel({ kernelName: SOFTMAX_XENT_GRAD, backendName: 'wasm', kernelFunc: (args) => gradKernel(addon, args) });
    tf.registerGradient({
      kernelName: SOFTMAX_XENT,
      inputsToSave: ['labels', 'logits'],
      gradFunc: (dy, saved) => {
        const [labels, logits] = saved as [tf.Tensor, tf.Tensor];
        const grad = () => tf.engine().runKernel(SOFTMAX_XENT_GRAD, { labels, logits, dy: dy as tf.Tensor }, {}) as tf.Tensor;
        return { logits: grad, labels: () => tf.neg(grad()) };
      },
    });
    registered = true;
  }
  enabled = true;
  return true;
}

/** The loss goes back to tfjs' composition (benchmarks compare both); installSoftmaxXent turns it on. */
export function disableSoftmaxXent(): void {
  enabled = false;
}

/**
 * The mean softmax cross-entropy of `logits` [batch, classes] against `labels` (one
 * distribution per row), as tf.losses.softmaxCrossEntropy(labels, logits): on the native
 * kernel on wasm with the addon, for float32 2-D non-empty tensors; tfjs' loss otherwise
 * (webgpu, cpu, no addon, SPARSENAS_NATIVE_LOSS=0).
 */
export function softmaxCrossEntropy(labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  if (enabled && process.env.SPARSENAS_NATIVE_LOSS !== '0' && tf.getBackend() === 'wasm' && logits.rank === 2 && logits.size > 0
    && labels.dtype === 'float32' && logits.dtype === 'float32' && labels.shape.join() === logits.shape.join()) {
    return tf.engine().runKernel(SOFTMAX_XENT, { labels, logits }, {}) as tf.Scalar;
  }
  return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
}
