import * as tf from '@tensorflow/tfjs';

import { SparsenasError } from '../../../search/errors.js';
import type { NativeAddon } from './native-addon.js';
import type { NativeKernelBody } from './wasm-heap.js';

/** A case a native kernel does not cover, on a backend with no kernel to hand it to. */
export class NativeKernelError extends SparsenasError {
  constructor(readonly kernelName: string, message: string) {
    super('NATIVE_KERNEL_UNSUPPORTED', message);
    this.name = 'NativeKernelError';
  }
}

const ours = new WeakSet<tf.KernelFunc>();
/** The kernel each override replaced (null: none), so it can be put back. */
const replaced = new Map<string, tf.KernelConfig | null>();

/**
 * Registers `body` as the wasm kernel `kernelName`. The kernel it replaces stays reachable:
 * cases the native code does not cover (other dtypes, NCHW, prelu, exotic broadcasting) go
 * to it, and its setup function is kept so the wasm backend still initialises it.
 * Idempotent: a kernel that is already ours is left alone. Returns whether it registered.
 */
export function overrideWasmKernel(kernelName: string, addon: NativeAddon, body: NativeKernelBody): boolean {
  const previous = tf.getKernel(kernelName, 'wasm');
  if (previous && ours.has(previous.kernelFunc)) return false;
  const kernelFunc: tf.KernelFunc = (args) => {
    const out = body(addon, args);
    if (out) return out;
    if (!previous) {
      throw new NativeKernelError(
        kernelName,
        `${kernelName} on the wasm backend: this case (input dtypes ${Object.values(args.inputs).map((t) => t?.dtype).join(', ')}) ` +
          'is not covered by the native kernel and tfjs-wasm has no kernel to fall back to; use the cpu backend for it',
      );
    }
    return previous.kernelFunc(args);
  };
  ours.add(kernelFunc);
  replaced.set(kernelName, previous ?? null);
  if (previous) tf.unregisterKernel(kernelName, 'wasm');
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc,
    setupFunc: previous?.setupFunc,
    disposeFunc: previous?.disposeFunc,
  });
  return true;
}

/** Puts back the kernel an override replaced. Returns whether an override was removed. */
export function restoreWasmKernel(kernelName: string): boolean {
  const current = tf.getKernel(kernelName, 'wasm');
  if (!current || !ours.has(current.kernelFunc)) return false;
  tf.unregisterKernel(kernelName, 'wasm');
  const previous = replaced.get(kernelName);
  if (previous) tf.registerKernel(previous);
  replaced.delete(kernelName);
  return true;
}
