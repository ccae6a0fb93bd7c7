import type * as tf from '@tensorflow/tfjs';
import { avgPoolGradKernel, scaledAvgPoolGradKernel } from './avg-pool-grad.js';
import { transposeFirstMatMulKernel } from './batch-mat-mul.js';
import { chunkedAddNKernel } from './chunked-add-n.js';
import { conv2DBackpropFilterKernel } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputKernel } from './conv2d-backprop-input.js';
import { depthwiseBackpropFilterKernel } from './depthwise-backprop-filter.js';
import { depthwiseBackpropInputKernel } from './depthwise-backprop-input.js';
import { leadingAxesSumKernel } from './leading-axes-sum.js';
import { maxPoolGradKernel } from './max-pool-grad.js';

/**
 * One replacement kernel for one backend. `source` names where the implementation comes
 * from, so several sources can offer the same kernel and `installKernels` picks by
 * preference: `composed` (this folder: stock kernels recombined, or JS loops over the
 * backend's memory) and, from evaluators/kernels/native, `native` (an N-API addon).
 */
export interface KernelImpl {
  readonly kernelName: string;
  readonly backendName: string;
  readonly source: string;
  readonly kernelFunc: tf.KernelFunc;
  /** Why it replaces the stock kernel (shown by `describeKernels`). */
  readonly reason: string;
}

export const COMPOSED = 'composed';

const on = (backendName: string) => (kernelName: string, kernelFunc: tf.KernelFunc, reason: string): KernelImpl => ({
  kernelName, backendName, source: COMPOSED, kernelFunc, reason,
});
const wasm = on('wasm');
const cpu = on('cpu');
const webgpu = on('webgpu');

/** The composed kernels, as data: kernel name → implementation per backend. */
export const composedKernels: readonly KernelImpl[] = [
  wasm('Conv2DBackpropFilter', conv2DBackpropFilterKernel('wasm'), 'missing on stock wasm; one Conv2D over batch↔channel-swapped tensors'),
  wasm('Conv2DBackpropInput', conv2DBackpropInputKernel('wasm'), 'stock wasm is a naive loop (~17× slower); one Conv2D with the flipped filter'),
  wasm('DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilterKernel('wasm'), 'missing on stock wasm; one depthwise conv with (sample, channel) as channels'),
  wasm('DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInputKernel('wasm'), 'missing on stock wasm; one depthwise conv with the flipped filter'),
  wasm('BatchMatMul', transposeFirstMatMulKernel('wasm', 'BatchMatMul'), 'transposed operands fall off XNNPACK (~15× slower); transpose first'),
  wasm('_FusedMatMul', transposeFirstMatMulKernel('wasm', '_FusedMatMul'), 'transposed operands fall off XNNPACK; transpose first'),
  wasm('Sum', leadingAxesSumKernel('wasm'), 'stock transposes the whole tensor to reduce leading axes (bias gradients); one matmul with ones'),
  wasm('MaxPoolGrad', maxPoolGradKernel('wasm'), 'stock wasm loops per input pixel over covering windows; one pass over windows'),
  wasm('AvgPoolGrad', avgPoolGradKernel('wasm'), 'exact derivative of AvgPool at padded borders, one pass over windows'),
  cpu('AvgPoolGrad', avgPoolGradKernel('cpu'), 'stock divides by the full window at padded borders; AvgPool divides by the valid count'),
  webgpu('AvgPoolGrad', scaledAvgPoolGradKernel('webgpu'), 'stock divides by the full window at padded borders; dy scaled by full/valid count first'),
  webgpu('AddN', chunkedAddNKernel('webgpu'), 'stock binds a storage buffer per input, past the device limit with many gradients; sums in groups'),
];
