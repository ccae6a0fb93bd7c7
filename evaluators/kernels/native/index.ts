/**
 * Native (C, AVX-512/AVX2, multithreaded) replacements for the heavy kernels of the tfjs
 * wasm backend: matmuls, convolutions and their gradients, max pooling, leading/trailing-axis
 * sums (bias gradients), the element-wise ops of Adam and of unfused bias/ReLU, plus a
 * zero-copy Identity. They run on the
 * wasm heap in place, so they mix freely with the stock wasm kernels for everything else.
 * Built at install by scripts/build-native.mjs; when the addon is missing the wasm backend
 * keeps its own kernels and nothing else changes.
 */
import * as tf from '@tensorflow/tfjs';

import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, fusedConv2d } from './conv-kernels.js';
import { batchMatMul, fusedMatMul } from './matmul-kernels.js';
import { loadNativeAddon } from './native-addon.js';
import { overrideWasmKernel, restoreWasmKernel } from './override-kernel.js';
import { binary, cast, unary } from './elementwise-kernels.js';
import { identity } from './identity-kernel.js';
import { maxPool, maxPoolGrad } from './pool-kernels.js';
import { sum } from './reduce-kernels.js';
import { installNmKernels } from './nm-dense.js';
import { installSparseConvKernels } from './sparse-conv.js';
import { disableSparseKernels, installSparseKernels } from './sparse-dense.js';
import { disableFusedAdam, installFusedAdam } from './fused-adam.js';
import { disableNativeDense, installNativeDense } from './dense-layer.js';
import { disableNativeConv, installNativeConv } from './conv-layer.js';
import { disableSoftmaxXent, installSoftmaxXent } from './softmax-xent.js';
import { disableNativeBatchNorm, installNativeBatchNorm } from './batch-norm.js';
import type { NativeKernelBody } from './wasm-heap.js';

export { loadNativeAddon, type NativeAddon, type NativePoolStats } from './native-addon.js';
export { NativeKernelError } from './override-kernel.js';
export { FUSED_ADAM, FusedAdamOptimizer, fusedAdamActive } from './fused-adam.js';
export { compressConvMask, convPatternOf, convPatternRebuilds, prefersSparseConv, SPARSE_CONV_DENSITY_CROSSOVER, SPARSE_CONV_MIN_PATCH, sparseConv2d, sparseConvGridShare, sparseConvAvailable, type SparseConvGeometry, type SparseConvPattern } from './sparse-conv.js';
export { disableSoftmaxXent, SOFTMAX_XENT, softmaxCrossEntropy } from './softmax-xent.js';
export { BATCH_NORM, BATCH_NORM_GRAD, disableNativeBatchNorm, nativeBatchNormForward, nativeBatchNormGrad, nativeBatchNormRuns } from './batch-norm.js';
export { disableNativeConv, NATIVE_CONV, nativeConv2d } from './conv-layer.js';
export { disableNativeDense, NATIVE_DENSE, nativeDense, type NativeDenseActivation } from './dense-layer.js';
export { nmDense, nmKernelsAvailable, type NmStructure } from './nm-dense.js';
export { compressMask, patternOf, patternRebuilds, prefersSparse, SPARSE_DENSITY_CROSSOVER, sparseDense, sparseKernelsBlocker, type SparseActivation, type SparsePattern } from './sparse-dense.js';

/** The kernels this module provides, by tfjs kernel name. Registries are data. */
export const NATIVE_KERNELS: Readonly<Record<string, NativeKernelBody>> = {
  [tf.BatchMatMul]: batchMatMul,
  [tf._FusedMatMul]: fusedMatMul,
  [tf.Conv2D]: conv2d,
  [tf.FusedConv2D]: fusedConv2d,
  [tf.Conv2DBackpropFilter]: conv2dBackpropFilter,
  [tf.Conv2DBackpropInput]: conv2dBackpropInput,
  [tf.MaxPool]: maxPool,
  [tf.MaxPoolGrad]: maxPoolGrad,
  [tf.Sum]: sum,
  [tf.Identity]: identity,
  [tf.Cast]: cast,
  [tf.Add]: binary('Add'),
  [tf.Sub]: binary('Sub'),
  [tf.Multiply]: binary('Multiply'),
  [tf.RealDiv]: binary('RealDiv'),
  [tf.Sqrt]: unary('Sqrt'),
  [tf.Square]: unary('Square'),
  [tf.Relu]: unary('Relu'),
  [tf.Step]: unary('Step'),
};

/** Whether the addon is built and loads here, and why not. Never throws. */
export function nativeAvailable(): { ok: boolean; reason: string } {
  const { addon, reason } = loadNativeAddon();
  return { ok: addon !== null, reason };
}

/**
 * Registers the native kernels for the 'wasm' backend, in front of whatever was registered
 * (stock or fallback kernels stay reachable for the cases native code does not cover).
 * Idempotent. Returns the kernel names registered by this call; [] when the addon is
 * unavailable (see nativeAvailable()) or everything was already installed.
 */
export function installNativeKernels(): string[] {
  const { addon } = loadNativeAddon();
  if (addon === null) return [];
  // The sparse dense-layer kernels are new kernel names, not overrides: enabled alongside.
  installSparseKernels(addon);
  // Adam's fused update is a new kernel too, used by FusedAdamOptimizer while enabled.
  installFusedAdam(addon);
  installSparseConvKernels(addon);
  installNmKernels(addon);
  // The fused dense layer too: a new kernel name the dense layers call through nativeDense.
  installNativeDense(addon);
  installNativeConv(addon);
  installSoftmaxXent(addon);
  installNativeBatchNorm(addon);
  return Object.entries(NATIVE_KERNELS)
    .filter(([name, body]) => overrideWasmKernel(name, addon, body))
    .map(([name]) => name);
}

/** Puts back the kernels installNativeKernels replaced (benchmarks compare both). Returns their names. */
export function uninstallNativeKernels(): string[] {
  disableSparseKernels();
  disableFusedAdam();
  disableNativeDense();
  disableNativeConv();
  disableSoftmaxXent();
  disableNativeBatchNorm();
  return Object.keys(NATIVE_KERNELS).filter((name) => restoreWasmKernel(name));
}
