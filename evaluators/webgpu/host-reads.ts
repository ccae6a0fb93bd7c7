import type * as tf from '@tensorflow/tfjs';
import { SparsenasError } from '../../search/index.js';

/**
 * A synchronous read (`dataSync`, `arraySync`) of a tensor that lives only on the GPU. The
 * webgpu backend reads synchronously through an OffscreenCanvas, which Node does not have;
 * a tensor already downloaded with `await data()` is cached on the host and reads fine.
 */
export class SyncReadError extends SparsenasError {
  constructor(shape: readonly number[]) {
    super('WEBGPU_SYNC_READ', `the webgpu backend cannot read a tensor of shape [${shape.join(', ')}] synchronously in Node (dataSync); `
      + 'download it with `await tensor.data()` before the synchronous code runs (see evaluators/webgpu/host-reads.ts), or train on a CPU backend');
    this.name = 'SyncReadError';
  }
}

interface TensorData { values?: unknown; dtype: string; shape?: number[]; resource?: unknown }
interface WebGpuBackendProto {
  readSync(dataId: object): unknown;
  tensorMap: { get(dataId: object): TensorData | undefined };
}

const guarded = new WeakSet<object>();

/**
 * Replace the backend's synchronous read by one that answers from the host cache and throws
 * `SyncReadError` otherwise, instead of "OffscreenCanvas is not defined". Where OffscreenCanvas
 * exists (a browser-like runtime) the stock read is kept.
 */
export function installSyncReadGuard(proto: object): void {
  if (guarded.has(proto) || typeof (globalThis as { OffscreenCanvas?: unknown }).OffscreenCanvas !== 'undefined') return;
  const p = proto as WebGpuBackendProto;
  const stock = p.readSync;
  p.readSync = function (this: WebGpuBackendProto, dataId: object) {
    const data = this.tensorMap.get(dataId);
    if (!data || data.values != null || data.dtype === 'string' || data.dtype === 'complex64') return stock.call(this, dataId);
    throw new SyncReadError(data.shape ?? []);
  };
  guarded.add(proto);
}

/** A shader or pipeline the device rejected (reported through `onuncapturederror`). */
export class WebGpuDeviceError extends SparsenasError {
  constructor(readonly deviceMessage: string, count: number) {
    super('WEBGPU_DEVICE_ERROR', `the WebGPU device rejected ${count} command${count === 1 ? '' : 's'}: ${deviceMessage}`);
    this.name = 'WebGpuDeviceError';
  }
}

/** What the training loop needs from a device that cannot read synchronously. */
export interface DeviceHooks {
  /** Download tensors to the host cache, so synchronous reads of them succeed. */
  toHost(tensors: readonly tf.Tensor[]): Promise<void>;
  /**
   * Throws `WebGpuDeviceError` when the device reported an error since the last call: a
   * rejected pipeline computes nothing, and its results would read as zeros or NaN.
   */
  check(): void;
}

export async function downloadToHost(tensors: readonly tf.Tensor[]): Promise<void> {
  await Promise.all(tensors.map((t) => t.data()));
}
