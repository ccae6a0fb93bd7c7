/**
 * Fast and missing tfjs kernels for the CPU backends, so convolutional networks train there.
 *
 *   await tf.setBackend('wasm');
 *   const replaced = installKernels(tf.getBackend());   // idempotent; [] for webgl / tensorflow
 *
 * On wasm: Conv2DBackpropFilter and the depthwise gradients (missing in stock tfjs 4.22),
 * Conv2DBackpropInput, BatchMatMul / _FusedMatMul with transposes, Sum over leading axes,
 * MaxPoolGrad and AvgPoolGrad (slow in stock). On cpu: AvgPoolGrad (wrong at padded borders in
 * stock). Each entry of `composedKernels` says why it replaces the stock kernel.
 *
 * Other implementations (the N-API addon in ./native) plug in as data:
 *   installKernels('wasm', { extra: nativeKernels, prefer: ['native', 'composed'] })
 * picks, per kernel name, the most preferred source offering it.
 *
 * Dilated convolutions have no gradient in tfjs at all; train them with `dilatedConv2d` /
 * `dilatedDepthwiseConv2d` (see dilated-conv.ts for why that route).
 */
export { installKernels, uninstallKernels, installedKernels, chooseKernels, type InstallOptions } from './install-kernels.js';
export { composedKernels, COMPOSED, type KernelImpl } from './registry.js';
export { dilatedConv2d, dilatedDepthwiseConv2d, dilateFilter } from './dilated-conv.js';
export { KernelError } from './kernel-error.js';
