import type * as tf from '@tensorflow/tfjs';
import { KernelScope } from './kernel-scope.js';
import { stockKernel } from './stock-kernels.js';

interface DeviceBackend { device?: { limits?: { maxStorageBuffersPerShaderStage?: number } } }

/**
 * AddN in groups that fit the device. tfjs-backend-webgpu binds one storage buffer per input
 * plus one for the output, and a device allows `maxStorageBuffersPerShaderStage` (8 by
 * WebGPU's default, 16 on llvmpipe, more on most GPUs): the global-norm gradient clip adds one
 * term per trainable tensor, and a pipeline over the limit fails validation and yields NaN.
 * Inputs are summed in consecutive groups, then the group sums; within the limit, one stock call.
 */
export function chunkedAddNKernel(backendName: string): tf.KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    // tfjs passes AddN's inputs as an array (its kernels read `.length`), not a named map.
    const tensors = inputs as unknown as tf.TensorInfo[];
    const limit = (backend as DeviceBackend).device?.limits?.maxStorageBuffersPerShaderStage ?? 8;
    const group = Math.max(2, limit - 1);
    const stock = stockKernel(backendName, 'AddN');
    if (tensors.length <= group) return stock.kernelFunc(args);
    return KernelScope.compose(backend, backendName, 'AddN', (s) => {
      let level = tensors;
      while (level.length > group) {
        const next: tf.TensorInfo[] = [];
        for (let i = 0; i < level.length; i += group) {
          const part = level.slice(i, i + group);
          next.push(part.length === 1 ? part[0]! : s.run('AddN', asInputs(part)));
        }
        level = next;
      }
      return s.run('AddN', asInputs(level));
    });
  };
}

const asInputs = (tensors: tf.TensorInfo[]): tf.NamedTensorInfoMap => tensors as unknown as tf.NamedTensorInfoMap;
