import * as tf from '@tensorflow/tfjs';
import { COMPOSED, composedKernels, type KernelImpl } from './registry.js';
import { captureStockKernel, capturedStockKernel, forgetStockKernel } from './stock-kernels.js';

export interface InstallOptions {
  /**
   * Sources in order of preference when several offer the same kernel, e.g.
   * `['native', 'composed']`. Sources not listed rank after the listed ones.
   * Default: `['native', 'composed']`.
   */
  readonly prefer?: string | readonly string[];
  /** Extra implementations (e.g. the native addon's), considered with the built-in ones. */
  readonly extra?: readonly KernelImpl[];
}

/** What is installed now, per backend: kernel name → implementation. */
const installed = new Map<string, Map<string, KernelImpl>>();

function rank(prefer: readonly string[], source: string): number {
  const i = prefer.indexOf(source);
  return i === -1 ? prefer.length : i;
}

/** For every kernel name offered for `backendName`, the most preferred implementation. */
export function chooseKernels(backendName: string, options: InstallOptions = {}): Map<string, KernelImpl> {
  const prefer = typeof options.prefer === 'string' ? [options.prefer] : options.prefer ?? ['native', COMPOSED];
  const chosen = new Map<string, KernelImpl>();
  for (const impl of [...composedKernels, ...(options.extra ?? [])]) {
    if (impl.backendName !== backendName) continue;
    const current = chosen.get(impl.kernelName);
    if (current === undefined || rank(prefer, impl.source) < rank(prefer, current.source)) chosen.set(impl.kernelName, impl);
  }
  return chosen;
}

function register(impl: KernelImpl): void {
  const stock = capturedStockKernel(impl.backendName, impl.kernelName);
  if (tf.getKernel(impl.kernelName, impl.backendName) != null) tf.unregisterKernel(impl.kernelName, impl.backendName);
  tf.registerKernel({
    kernelName: impl.kernelName,
    backendName: impl.backendName,
    kernelFunc: impl.kernelFunc,
    // The stock setup (cwrap of the wasm function) still has to run if the backend is
    // re-initialised, because composed kernels call the stock kernel.
    ...(stock?.setupFunc ? { setupFunc: stock.setupFunc } : {}),
    ...(stock?.disposeFunc ? { disposeFunc: stock.disposeFunc } : {}),
  });
}

function restore(backendName: string, kernelName: string): void {
  const stock = capturedStockKernel(backendName, kernelName);
  if (tf.getKernel(kernelName, backendName) != null) tf.unregisterKernel(kernelName, backendName);
  if (stock != null) tf.registerKernel(stock);
  forgetStockKernel(backendName, kernelName);
}

/**
 * Register the fast / missing kernels for `backendName` (call after `tf.setBackend`).
 * Idempotent: a second call with the same options changes nothing. Returns the kernel
 * names that are now replaced, sorted. Backends with no entries (webgl, tensorflow) get none.
 * Call it before layers that wrap whatever is registered (installNativeKernels does): the
 * first call takes the registered kernels as "stock", and would replace such a wrapper.
 */
export function installKernels(backendName: string, options: InstallOptions = {}): string[] {
  const chosen = chooseKernels(backendName, options);
  const current = installed.get(backendName) ?? new Map<string, KernelImpl>();
  for (const name of [...current.keys()]) {
    if (!chosen.has(name)) {
      restore(backendName, name);
      current.delete(name);
    }
  }
  for (const [name, impl] of chosen) {
    if (current.get(name) === impl) continue;
    captureStockKernel(backendName, name);
    register(impl);
    current.set(name, impl);
  }
  installed.set(backendName, current);
  return [...current.keys()].sort();
}

/** Put the stock kernels back (benchmarks' "before", tests). */
export function uninstallKernels(backendName: string): void {
  const current = installed.get(backendName);
  if (current === undefined) return;
  for (const name of current.keys()) restore(backendName, name);
  installed.delete(backendName);
}

/** The implementation installed for each replaced kernel of `backendName`. */
export function installedKernels(backendName: string): ReadonlyMap<string, KernelImpl> {
  return new Map(installed.get(backendName) ?? []);
}

