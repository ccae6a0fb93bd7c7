import type { BackendName } from './backend.js';

/** How the training loop drives a backend. */
export interface BackendTraits {
  /** Runs on a GPU (the per-device concurrency limit applies). */
  gpu: boolean;
  /**
   * Steps between loss read-backs. GPU backends run asynchronously: a read every step makes
   * the device wait idle for the host each step. CPU backends keep 1 (their exact behaviour).
   */
  readbackEvery: number;
  /** Keep the training and validation splits on the device for the evaluator's lifetime. */
  deviceData: boolean;
  /** Cannot read tensors synchronously: host code needs them downloaded first (webgpu in Node). */
  asyncReadsOnly: boolean;
}

const CPU_TRAITS: BackendTraits = { gpu: false, readbackEvery: 1, deviceData: false, asyncReadsOnly: false };

export function backendTraits(backend: BackendName): BackendTraits {
  if (backend === 'webgpu') return { gpu: true, readbackEvery: 8, deviceData: true, asyncReadsOnly: true };
  // tfjs-node's tensors live in libtensorflow's host memory; TF places the ops.
  if (backend === 'tensorflow-gpu') return { ...CPU_TRAITS, gpu: true, readbackEvery: 8 };
  return CPU_TRAITS;
}
