/**
 * Fast and missing tfjs kernels for the CPU backends (wasm first), so convolutional
 * networks train there. Call `installKernels(tf.getBackend())` after `tf.setBackend`.
 */
export { installKernels, uninstallKernels, installedKernels, chooseKernels, type InstallOptions } from './install-kernels.js';
export { composedKernels, COMPOSED, type KernelImpl } from './registry.js';
export { KernelError } from './kernel-error.js';
export { dilatedConv2d, dilatedDepthwiseConv2d, dilateFilter } from './dilated-conv.js';
