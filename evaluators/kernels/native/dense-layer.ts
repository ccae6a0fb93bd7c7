import * as tf from '@tensorflow/tfjs';

import type { NativeAddon } from './native-addon.js';
import { ACTIVATION_CODES, type Inputs, type KernelArgs, WasmHeap } from './wasm-heap.js';

/**
 * A dense layer `act(x · W + b)` as one tfjs kernel on the native addon, where tfjs runs
 * BatchMatMul + Add + Relu forward (tf.fused.matMul does not fuse under a gradient tape) and
 * Step + Cast + Multiply + Sum + two BatchMatMuls backward. Forward: one GEMM with bias and
 * ReLU in its epilogue. Backward: one pass masks dy by ReLU's derivative and sums the bias
 * gradient (native/src/dense-layer.c), then the dX and dW GEMMs, each only when tfjs asks for
 * that input's gradient.
 */
export const NATIVE_DENSE = 'SparsenasDense';
const NATIVE_DENSE_GRAD_Z = 'SparsenasDenseGradZ';

/** The activations fused into the kernel (forward and gradient); others run after it. */
export type NativeDenseActivation = 'linear' | 'relu';

export interface DenseAttrs { activation: NativeDenseActivation; bias: boolean }

function shapeError(x: tf.TensorInfo, w: tf.TensorInfo, bias: tf.TensorInfo | undefined): Error {
  return new Error(`${NATIVE_DENSE}: needs float32 x [batch, in], w [in, out] and bias [out]; got x ${JSON.stringify(x.shape)} ${x.dtype}, w ${JSON.stringify(w.shape)} ${w.dtype}${bias ? `, bias ${JSON.stringify(bias.shape)} ${bias.dtype}` : ''}`);
}

function forwardKernel(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, w, bias } = inputs as { x: tf.TensorInfo; w: tf.TensorInfo; bias?: tf.TensorInfo };
  const { activation } = attrs as unknown as DenseAttrs;
  if (!denseShapesFit(x, w, bias)) throw shapeError(x, w, bias);
  const [batch, k] = x.shape as [number, number];
  const n = w.shape[1]!;
  const mem = new WasmHeap(backend);
  const y = mem.output([batch, n]);
  addon.gemm(mem.heap, mem.offset(x), mem.offset(w), mem.offset(y), mem.offset(bias), Int32Array.of(1, batch, n, k, 0, 0, 1, 1, ACTIVATION_CODES[activation]!), 0, -1);
  return y;
}

/** [dz, db] with ReLU, [db] linear (dz is dy itself); db only with `bias`. */
function gradZKernel(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { dy, y } = inputs as unknown as Inputs<'dy' | 'y'>;
  const { activation, bias } = attrs as unknown as DenseAttrs;
  // Channels last: [..., cols] is [rows x cols] row-major (a dense layer's [batch, out], NHWC).
  const cols = dy.shape[dy.shape.length - 1]!;
  const rows = tf.util.sizeFromShape(dy.shape) / cols;
  const relu = activation === 'relu';
  const mem = new WasmHeap(backend);
  const dz = relu ? mem.output([...dy.shape]) : undefined;
  const db = bias ? mem.output([cols]) : undefined;
  addon.denseGradZ!(mem.heap, mem.offset(dy), relu ? mem.offset(y) : -1, mem.offset(dz), mem.offset(db), rows, cols, relu);
  return [dz, db].filter((t): t is tf.TensorInfo => t !== undefined);
}

/**
 * dz (dy through ReLU's derivative, or dy itself) and the bias gradient, from one native pass.
 * Called in a gradFunc itself, not in its closures: tfjs runs each closure in its own tidy,
 * and dz serves two of them.
 */
export function gradientAtPreActivation(dy: tf.Tensor, y: tf.Tensor, a: DenseAttrs): { dz: tf.Tensor; db?: tf.Tensor } {
  if (a.activation !== 'relu' && !a.bias) return { dz: dy };
  const outs = tf.engine().runKernel(NATIVE_DENSE_GRAD_Z, { dy, y }, { activation: a.activation, bias: a.bias }) as unknown as tf.Tensor[];
  return { dz: a.activation === 'relu' ? outs[0]! : dy, ...(a.bias ? { db: outs[outs.length - 1]! } : {}) };
}

function matMul(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  return tf.engine().runKernel(tf.BatchMatMul, { a, b }, { transposeA, transposeB }) as tf.Tensor;
}

let registered = false;
let enabled = false;

/** Registers the kernel and its gradient for wasm (once) and enables it; false when the addon predates it. */
export function installNativeDense(addon: NativeAddon): boolean {
  if (typeof addon.denseGradZ !== 'function') return false;
  if (!registered) {
    tf.registerKernel({ kernelName: NATIVE_DENSE, backendName: 'wasm', kernelFunc: (args) => forwardKernel(addon, args) });
    tf.registerKernel({ kernelName: NATIVE_DENSE_GRAD_Z, backendName: 'wasm', kernelFunc: (args) => gradZKernel(addon, args) });
    tf.registerGradient({
      kernelName: NATIVE_DENSE,
      inputsToSave: ['x', 'w'],
      outputsToSave: [true],
      gradFunc: (dy, saved, attrs) => {
        const [x, w, y] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const { dz, db } = gradientAtPreActivation(dy as tf.Tensor, y, attrs as unknown as DenseAttrs);
        return {
          x: () => matMul(dz, w, false, true),
          w: () => matMul(x, dz, true, false),
          ...(db ? { bias: () => db } : {}),
        };
      },
    });
    registered = true;
  }
  enabled = true;
  return true;
}

/** Dense layers go back to the tfjs composition (benchmarks compare both); installNativeDense turns them on. */
export function disableNativeDense(): void {
  enabled = false;
}

function denseShapesFit(x: tf.TensorInfo, w: tf.TensorInfo, bias: tf.TensorInfo | undefined | null): boolean {
  return x.dtype === 'float32' && w.dtype === 'float32' && x.shape.length === 2 && w.shape.length === 2 && x.shape[1] === w.shape[0]
    && (bias == null || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === w.shape[1]));
}

/**
 * `act(x · w + bias())` as one native kernel, or null when the tfjs composition should run:
 * another backend than wasm, the addon missing or predating the kernel (or uninstalled for a
 * benchmark), SPARSENAS_NATIVE_DENSE=0, an activation other than linear/ReLU, or shapes it
 * does not cover (not 2-D, an empty dimension).
 */
export function nativeDense(x: tf.Tensor, w: tf.Tensor, biasOf: (() => tf.Tensor) | undefined, activation: string): tf.Tensor2D | null {
  if (!enabled || (activation !== 'relu' && activation !== 'linear') || process.env.SPARSENAS_NATIVE_DENSE === '0') return null;
  if (!denseShapesFit(x, w, undefined) || x.size === 0 || w.size === 0 || tf.getBackend() !== 'wasm') return null;
  // Only now: a bias made for the kernel (a masked bias is a new tensor) is never left unused.
  const bias = biasOf?.();
  const inputs: tf.NamedTensorMap = { x, w, ...(bias ? { bias } : {}) };
  return tf.engine().runKernel(NATIVE_DENSE, inputs, { activation, bias: bias !== undefined } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}
