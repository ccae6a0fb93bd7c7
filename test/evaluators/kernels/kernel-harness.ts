import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRng } from '../../../search/index.js';
import { installKernels } from '../../../evaluators/kernels/index.js';

/** Float32 values in [-1, 1) from a seeded generator, so failures reproduce. */
export function randomValues(shape: readonly number[], seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

export interface HostTensor {
  readonly values: Float32Array;
  readonly shape: number[];
}

export function host(shape: number[], seed: number): HostTensor {
  return { values: randomValues(shape, seed), shape };
}

/** Set up wasm with the kernels installed; call from `before`. */
export async function useWasmWithKernels(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  installKernels('wasm');
}

/**
 * Run a kernel on `backendName` with inputs made from host arrays; returns the output values
 * and asserts the call leaks no tensor on that backend.
 */
export function runKernelOn(
  backendName: string,
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: object,
): { values: Float32Array; shape: number[] } {
  const previous = tf.getBackend();
  tf.setBackend(backendName);
  try {
    const before = tf.memory().numTensors;
    const tensors: tf.NamedTensorMap = {};
    for (const [name, t] of Object.entries(inputs)) tensors[name] = tf.tensor(t.values, t.shape, 'float32');
    const out = tf.engine().runKernel(kernelName, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
    const result = { values: out.dataSync() as Float32Array, shape: out.shape.slice() };
    out.dispose();
    tf.dispose(Object.values(tensors));
    assert.equal(tf.memory().numTensors, before, `${kernelName} on ${backendName} leaked tensors`);
    return result;
  } finally {
    tf.setBackend(previous);
  }
}

/** max |actual − expected| ≤ tol · max(1, max |expected|): relative to the output's scale. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, tol = 1e-4): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!);
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  assert.ok(worst <= tol * scale, `${what}: element ${at} is ${actual[at]}, expected ${expected[at]} (scale ${scale})`);
}
