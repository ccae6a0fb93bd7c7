import type { TrainingConfig } from '../../search/index.js';
import { SyncReadError, WebGpuDeviceError } from './host-reads.js';

/**
 * What a backend without synchronous reads (webgpu in Node) cannot train, known before the
 * trial starts: a training method (`training.method`: WGSEF, group lasso) runs hooks that read
 * tensors with `dataSync` inside every step, tensors it computes there, which no download
 * beforehand can serve. Returns the reason, or undefined when the trial can train there.
 * Sparse methods say when they read (`SparseMethod.hostReads`) and are served by downloads.
 */
export function webGpuBlocker(training: TrainingConfig): string | undefined {
  const method = training.method;
  if (!method) return undefined;
  return `training.method ${method.name} reads tensors on the host inside its step hooks (dataSync), which webgpu cannot do in Node`;
}

/**
 * Whether an error is the backend lacking something (a kernel tfjs-backend-webgpu does not
 * implement, a shader the device rejects, a synchronous read) rather than the trial failing; returns the reason, or
 * undefined. The evaluator retrains such a trial on a CPU backend when nothing was reported yet.
 */
export function backendGap(err: unknown, backend: string): string | undefined {
  if (err instanceof SyncReadError) return `${backend} cannot read a tensor synchronously: ${err.message.split(';')[0]}`;
  if (err instanceof WebGpuDeviceError) return err.message;
  const msg = err instanceof Error ? err.message : String(err);
  const kernel = /Kernel '([^']+)' not registered for backend '([^']+)'/.exec(msg);
  if (kernel && kernel[2] === backend) return `tfjs has no ${kernel[1]} kernel for ${backend}`;
  return undefined;
}
