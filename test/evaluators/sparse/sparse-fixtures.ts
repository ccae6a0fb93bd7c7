import * as tf from '@tensorflow/tfjs';
import { createRng, type Rng, type SparsitySpec } from '../../../search/index.js';
import type { MaskedParam, SparseMethod, SparseStepContext } from '../../../evaluators/sparse/index.js';

export async function useCpu(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
}

export function spec(over: Partial<SparsitySpec>): SparsitySpec {
  return { level: 0.8, kind: 'unstructured', method: 'static', init: 'magnitude', distribution: 'uniform', ...over };
}

/** A MaskedParam as the network builder makes it: dense [in, out] or conv [kh, kw, in, out], mask of ones. */
export function makeParam(name: string, shape: number[], rng: Rng, role: MaskedParam['role'] = 'hidden', sparsityOverride?: number): MaskedParam {
  const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.5);
  const dense = shape.length === 2;
  return {
    name,
    layerType: dense ? 'dense' : 'conv2d',
    role,
    weight: tf.variable(tf.tensor(values, shape), true),
    mask: tf.variable(tf.ones(shape), false),
    inputAxis: dense ? 0 : 2,
    outputAxis: shape.length - 1,
    outputPositions: dense ? 1 : 36,
    targetSparsity: 0,
    ...(sparsityOverride === undefined ? {} : { sparsityOverride }),
  };
}

export function disposeParams(params: readonly MaskedParam[]): void {
  for (const p of params) { p.weight.dispose(); p.mask.dispose(); }
}

/**
 * A toy regression net: conv 3×3 (`first`) on 6×6×2 inputs → ReLU → flatten → dense → ReLU →
 * dense (`classifier`) → MSE against fixed random targets.
 */
export class ToyNet {
  readonly params: MaskedParam[];
  private readonly x: tf.Tensor;
  private readonly y: tf.Tensor;

  constructor(seed: number, convOut = 4, hidden = 8) {
    const rng = createRng(seed);
    this.params = [
      makeParam('conv_0', [3, 3, 2, convOut], rng, 'first'),
      makeParam('dense_1', [36 * convOut, hidden], rng, 'hidden'),
      makeParam('dense_2', [hidden, 3], rng, 'classifier'),
    ];
    this.x = tf.tensor(Float32Array.from({ length: 8 * 36 * 2 }, () => rng.normal()), [8, 6, 6, 2]);
    this.y = tf.tensor(Float32Array.from({ length: 8 * 3 }, () => rng.normal()), [8, 3]);
  }

  loss(weights: readonly tf.Tensor[]): tf.Scalar {
    const [k, w1, w2] = weights as [tf.Tensor4D, tf.Tensor2D, tf.Tensor2D];
    const h = tf.relu(tf.conv2d(this.x as tf.Tensor4D, k, 1, 'same'));
    const flat = tf.reshape(h, [8, -1]) as tf.Tensor2D;
    const out = tf.matMul(tf.relu(tf.matMul(flat, w1)), w2);
    return tf.losses.meanSquaredError(this.y, out) as tf.Scalar;
  }

  dispose(): void {
    disposeParams(this.params);
    this.x.dispose();
    this.y.dispose();
  }
}

/**
 * One training step as the training loop runs it: loss through `effectiveWeight` under the tape,
 * optimiser step on the dense variables, the dense gradient ∂L/∂W_eff when asked, then afterStep.
 */
export function trainStep(net: ToyNet, method: SparseMethod, optimizer: tf.Optimizer, ctx: SparseStepContext): number {
  const vars = net.params.map((p) => p.weight);
  const loss = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => net.loss(net.params.map((p) => method.effectiveWeight(p))), vars);
    optimizer.applyGradients(grads);
    return value.dataSync()[0]!;
  });
  let dense: Map<string, tf.Tensor> | undefined;
  if (method.wantsDenseGradient(ctx)) {
    const grads = tf.tidy(() => {
      const effs = net.params.map((p) => tf.mul(p.weight, p.mask));
      return tf.grads((...w: tf.Tensor[]) => net.loss(w))(effs);
    });
    dense = new Map(net.params.map((p, i) => [p.name, grads[i]!]));
  }
  method.afterStep(net.params, ctx, dense);
  dense?.forEach((g) => g.dispose());
  return loss;
}

/** Flat values of a tensor. */
export function values(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

export function zeros(t: tf.Tensor): number {
  return values(t).filter((v) => v === 0).length;
}

/** The effective weight's values, disposing the tensor. */
export function effective(method: SparseMethod, p: MaskedParam): Float32Array {
  const t = method.effectiveWeight(p);
  const v = values(t);
  t.dispose();
  return v;
}

/** Non-zeros in every M-group along `axis` (partial trailing group included), by brute force. */
export function nonZerosPerGroup(v: Float32Array, shape: number[], axis: number, m: number): { size: number; nnz: number }[] {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const len = shape[axis]!;
  const out: { size: number; nnz: number }[] = [];
  const others = v.length / len;
  for (let o = 0; o < others; o++) {
    // decode the coordinates of the other axes from o
    let rem = o;
    let base = 0;
    for (let a = shape.length - 1; a >= 0; a--) {
      if (a === axis) continue;
      base += (rem % shape[a]!) * strides[a]!;
      rem = Math.floor(rem / shape[a]!);
    }
    for (let g = 0; g < len; g += m) {
      let nnz = 0;
      const size = Math.min(m, len - g);
      for (let j = g; j < g + size; j++) if (v[base + j * strides[axis]!] !== 0) nnz++;
      out.push({ size, nnz });
    }
  }
  return out;
}
