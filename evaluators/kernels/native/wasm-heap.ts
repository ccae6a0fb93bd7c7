import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

import type { NativeAddon } from './native-addon.js';

/** What the native kernels use of the wasm backend: its tensor table, allocator and heap. */
interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** Emscripten refreshes HEAPF32 whenever the memory grows. */
  wasm: { HEAPF32: Float32Array };
}

export type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * One call of a native kernel against the wasm backend: outputs come from the backend's own
 * allocator, and the heap view is read after every allocation because growing the wasm
 * memory detaches the previous one.
 */
export class WasmHeap {
  private readonly backend: WasmBackendInternals;

  constructor(backend: BackendWasm | object) {
    this.backend = backend as unknown as WasmBackendInternals;
  }

  output(shape: number[]): tf.TensorInfo {
    return this.backend.makeOutput(shape, 'float32');
  }

  /** Byte offset of a tensor in the heap; -1 for an absent optional input. */
  offset(t: tf.TensorInfo | undefined | null): number {
    if (t == null) return -1;
    const data = this.backend.dataIdMap.get(t.dataId);
    if (data == null) throw new Error(`tensor ${String(t.dataId)} is not on the wasm backend`);
    return data.memoryOffset;
  }

  get heap(): Float32Array {
    return this.backend.wasm.HEAPF32;
  }
}

/** Matches tfjs' fusable activations to `enum spn_activation` in native/src/gemm.h. */
export const ACTIVATION_CODES: Readonly<Record<string, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  leakyrelu: 3,
  sigmoid: 4,
  elu: 5,
  prelu: 6,
};

/**
 * A bias or prelu-slope tensor the native epilogue can apply: one value per output column
 * (shape [n], [1, n], ...). Other broadcasts return false and go to the previous kernel.
 */
export function perColumn(t: tf.TensorInfo | undefined | null, n: number): boolean {
  return t == null || (t.shape[t.shape.length - 1] === n && tf.util.sizeFromShape(t.shape) === n);
}

/** A native kernel body: returns null when the case is not covered, so the previous kernel runs. */
export type NativeKernelBody = (addon: NativeAddon, args: KernelArgs) => tf.TensorInfo | null;

export function isFloat32(...ts: Array<tf.TensorInfo | undefined | null>): boolean {
  return ts.every((t) => t == null || t.dtype === 'float32');
}

/** True when every dimension is positive, i.e. there is work and every tensor has memory. */
export function nonEmpty(...shapes: number[][]): boolean {
  return shapes.every((s) => s.every((d) => d > 0));
}

/** A kernel's required inputs (tfjs types them as optional through Pick<NamedTensorInfoMap>). */
export type Inputs<K extends string> = Record<K, tf.TensorInfo>;
