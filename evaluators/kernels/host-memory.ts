import * as tf from '@tensorflow/tfjs';
import { KernelError } from './kernel-error.js';

/** The parts of BackendWasm a kernel needs to loop over the wasm heap directly. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** The parts of MathBackendCPU a kernel needs to loop over its arrays. */
interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/**
 * Run a plain-JS loop over float32 tensors where they live (the wasm heap or the cpu
 * backend's arrays), without copying them out. `body` gets the zero-filled output first.
 * On wasm the output is allocated before any view is taken: an allocation may grow the heap,
 * which detaches every earlier view.
 */
export function computeOnHost(
  backendName: string,
  backend: object,
  kernelName: string,
  inputs: readonly tf.TensorInfo[],
  outShape: number[],
  body: (out: Float32Array, ...ins: Float32Array[]) => void,
): tf.TensorInfo {
  for (const t of inputs) {
    if (t.dtype !== 'float32') throw new KernelError(kernelName, `expects float32 tensors, got ${t.dtype}`);
  }
  if (backendName === 'wasm') {
    const wasm = backend as WasmBackendLike;
    const out = wasm.makeOutput(outShape, 'float32');
    const outView = wasm.typedArrayFromHeap(out) as Float32Array;
    outView.fill(0);
    body(outView, ...inputs.map((t) => wasm.typedArrayFromHeap(t) as Float32Array));
    return out;
  }
  if (backendName === 'cpu') {
    const cpu = backend as CpuBackendLike;
    const out = new Float32Array(tf.util.sizeFromShape(outShape));
    body(out, ...inputs.map((t) => cpu.data.get(t.dataId).values as Float32Array));
    return cpu.makeTensorInfo(outShape, 'float32', out);
  }
  throw new KernelError(kernelName, `has no host-memory implementation for backend '${backendName}'`);
}
