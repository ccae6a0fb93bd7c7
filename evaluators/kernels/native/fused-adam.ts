import * as tf from '@tensorflow/tfjs';

import type { NativeAddon } from './native-addon.js';
import { type Inputs, type KernelArgs, WasmHeap } from './wasm-heap.js';

/**
 * A fused dense Adam update on the native addon (native/src/adam.c): one pass reads w, g, m, v
 * and writes w', m', v', where tfjs' AdamOptimizer runs 14 element-wise kernels (each a pass
 * over the variable, each with its own dispatch and scalar uploads) per variable. Same float32
 * operations in the same order, no FMA contraction: the result is tfjs' (test/evaluators/fused-adam.test.ts).
 */
export const FUSED_ADAM = 'SparsenasFusedAdam';

/** Attributes of the kernel: Adam's scalars as tfjs uses them (rounded to float32 by the kernel). */
export interface FusedAdamAttrs {
  beta1: number;
  beta2: number;
  /** 1 - beta1^t and 1 - beta2^t, as tfjs computes them from its float32 accBeta variables. */
  oneMinusAccBeta1: number;
  oneMinusAccBeta2: number;
  epsilon: number;
  learningRate: number;
}

let registered = false;
let enabled = false;

function fusedAdamKernel(addon: NativeAddon, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const { x, g, m, v } = inputs as unknown as Inputs<'x' | 'g' | 'm' | 'v'>;
  const a = attrs as unknown as FusedAdamAttrs;
  const n = tf.util.sizeFromShape(x.shape);
  for (const [name, t] of [['gradient', g], ['first moment', m], ['second moment', v]] as const) {
    if (t.dtype !== 'float32' || tf.util.sizeFromShape(t.shape) !== n) {
      throw new Error(`${FUSED_ADAM}: the ${name} must be float32 with the variable's ${n} values (got ${t.dtype} ${JSON.stringify(t.shape)})`);
    }
  }
  const mem = new WasmHeap(backend);
  const outs = [mem.output([...x.shape]), mem.output([...x.shape]), mem.output([...x.shape])];
  if (n === 0) return outs;
  // The scalars exactly as tfjs' Adam makes them: JS numbers (1 - beta computed in double) to float32.
  const coeffs = Float32Array.of(a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.oneMinusAccBeta1, a.oneMinusAccBeta2, a.epsilon, -a.learningRate);
  addon.adam!(mem.heap, mem.offset(x), mem.offset(g), mem.offset(m), mem.offset(v),
    mem.offset(outs[0]), mem.offset(outs[1]), mem.offset(outs[2]), n, coeffs);
  return outs;
}

/** Registers the kernel for wasm (once) and enables it; false when the addon lacks it. */
export function installFusedAdam(addon: NativeAddon): boolean {
  if (typeof addon.adam !== 'function') return false;
  if (!registered) {
    tf.registerKernel({ kernelName: FUSED_ADAM, backendName: 'wasm', kernelFunc: (args) => fusedAdamKernel(addon, args) });
    registered = true;
  }
  enabled = true;
  return true;
}

/** FusedAdamOptimizer falls back to tfjs' Adam from now on (benchmarks compare both). */
export function disableFusedAdam(): void {
  enabled = false;
}

/** Whether the fused update runs now: enabled, on the wasm backend. */
export function fusedAdamActive(): boolean {
  return enabled && registered && tf.getBackend() === 'wasm';
}

interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable }>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable }>;
}

/**
 * tfjs' AdamOptimizer with each variable's update in one fused native pass where the fused
 * kernel is active (wasm + native addon), else tfjs' own applyGradients. State (m, v, accBeta,
 * iterations), getWeights/setWeights, getConfig and dispose are the base class's, so the two
 * paths can alternate on one optimiser.
 */
type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];
type NamedTensorList = Array<{ name: string; tensor: tf.Tensor }>;

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    if (!fusedAdamActive()) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamInternals;
    const list = Array.isArray(variableGradients);
    const names = list ? (variableGradients as NamedTensorList).map((v) => v.name) : Object.keys(variableGradients);
    // tfjs: oneMinusAccBeta = sub(1, accBeta) in float32; the difference of 1 and a float32 is
    // exact in double, so rounding it once gives the same float32.
    const oneMinusAccBeta1 = Math.fround(1 - self.accBeta1.dataSync()[0]);
    const oneMinusAccBeta2 = Math.fround(1 - self.accBeta2.dataSync()[0]);
    const attrs: FusedAdamAttrs = {
      beta1: self.beta1, beta2: self.beta2, oneMinusAccBeta1, oneMinusAccBeta2, epsilon: self.epsilon, learningRate: self.learningRate,
    };
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        if (self.accumulatedFirstMoment[i] == null) {
          self.accumulatedFirstMoment[i] = { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        }
        if (self.accumulatedSecondMoment[i] == null) {
          self.accumulatedSecondMoment[i] = { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        }
        const gradient = list ? (variableGradients as NamedTensorList)[i].tensor : (variableGradients as tf.NamedTensorMap)[name];
        if (gradient == null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        const [w2, m2, v2] = tf.engine().runKernel(FUSED_ADAM, { x: value, g: gradient, m, v }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
        m.assign(m2);
        v.assign(v2);
        value.assign(w2);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    this.incrementIterations();
  }
}
