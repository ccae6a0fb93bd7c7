import * as tf from '@tensorflow/tfjs';
import { KernelError } from './kernel-error.js';

/**
 * The kernels tfjs shipped with, captured before `installKernels` replaced them. Composed
 * kernels are built from these (a replacement `BatchMatMul` must call the stock one, not
 * itself), and `uninstallKernels` puts them back.
 */
const captured = new Map<string, tf.KernelConfig | null>();

const key = (backendName: string, kernelName: string): string => `${backendName}/${kernelName}`;

/** Remember the stock config of a kernel the first time it is about to be replaced. */
export function captureStockKernel(backendName: string, kernelName: string): void {
  const k = key(backendName, kernelName);
  if (!captured.has(k)) captured.set(k, tf.getKernel(kernelName, backendName) ?? null);
}

/** The stock config captured for a replaced kernel; `undefined` if it was never replaced. */
export function capturedStockKernel(backendName: string, kernelName: string): tf.KernelConfig | null | undefined {
  return captured.get(key(backendName, kernelName));
}

export function forgetStockKernel(backendName: string, kernelName: string): void {
  captured.delete(key(backendName, kernelName));
}

/** The stock kernel for `kernelName`, whether or not it has been replaced since. */
export function stockKernel(backendName: string, kernelName: string): tf.KernelConfig {
  const saved = captured.get(key(backendName, kernelName));
  const config = saved === undefined ? tf.getKernel(kernelName, backendName) : saved;
  if (config == null) {
    throw new KernelError(kernelName, `backend '${backendName}' has no stock kernel '${kernelName}' to compose from; register the backend (import '@tensorflow/tfjs-backend-${backendName}') before installing kernels`);
  }
  return config;
}
