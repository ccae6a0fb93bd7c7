import { SparsenasError } from '../search/index.js';
import type { Architecture, LayerSpec } from '../search/index.js';

/**
 * Analytic accounting of an architecture, without tfjs: parameters, weights and forward
 * FLOPs per sample, dense and sparse. Conventions (the evaluator measures the same way):
 * FLOPs = 2 × multiply-adds of weighted layers (dense, conv, depthwise, pointwise);
 * biases, normalisation, pooling and activations add parameters but no FLOPs; a layer's
 * sparse FLOPs are its dense FLOPs × its density. Layer sparsity: the layer's `sparsity`
 * override, else the architecture's level (uniform distribution), with the first weighted
 * layer and the classifier dense when `keepFirstDense` / `keepLastDense` are set.
 * N:M layers have density N/M. ERK distributions are only known to the evaluator.
 */
export interface LayerCount {
  name: string;
  type: string;
  /** Weights of the kernel(s) only. */
  weights: number;
  /** Weights + biases + normalisation parameters. */
  params: number;
  sparsity: number;
  denseFlops: number;
  sparseFlops: number;
  outputShape: number[];
}

export interface ArchitectureCount {
  layers: LayerCount[];
  params: number;
  weights: number;
  nonZeros: number;
  denseFlops: number;
  sparseFlops: number;
  /** Input shape of each top-level layer of `arch.layers`, in order. */
  layerInputs: number[][];
}

type Shape = number[];

export function countArchitecture(arch: Architecture, inputShape: number[], classes: number): ArchitectureCount {
  const layers: LayerCount[] = [];
  const weighted = (l: LayerSpec) => l.type === 'dense' || l.type === 'conv2d' || l.type === 'depthwiseConv2d' || l.type === 'separableConv2d';
  const levelFor = (l: LayerSpec & { sparsity?: number; name?: string }, role: 'first' | 'hidden' | 'classifier'): number => {
    if (l.sparsity !== undefined) return l.sparsity;
    const s = arch.sparsity;
    if (role === 'first' && s.keepFirstDense) return 0;
    if (role === 'classifier' && s.keepLastDense) return 0;
    return s.level;
  };
  let counter = 0;
  const layerInputs: number[][] = [];
  const walk = (specs: LayerSpec[], shape: Shape, prefix: string, nested: boolean): Shape => {
    for (const l of specs) {
      if (!nested) layerInputs.push(shape);
      const name = ('name' in l && l.name) || `${prefix}${l.type}_${counter++}`;
      if (!weighted(l) && l.type !== 'sum') {
        shape = passThrough(l, shape);
        if (l.type === 'batchNorm') layers.push({ name, type: l.type, weights: 0, params: (l.affine === false ? 0 : 2) * shape[shape.length - 1]!, sparsity: 0, denseFlops: 0, sparseFlops: 0, outputShape: shape });
        continue;
      }
      if (l.type === 'sum') {
        const outs = l.branches.map((b, i) => walk(b, shape, `${name}.b${i}.`, true));
        const first = JSON.stringify(outs[0]);
        if (outs.some((o) => JSON.stringify(o) !== first)) throw new SparsenasError('ARCH_INVALID', `layer ${name}: the branches of a sum produce different shapes ${outs.map((o) => `[${o}]`).join(', ')}`);
        shape = outs[0]!;
        continue;
      }
      // The first weighted layer of the network (not inside a sum) is the `first` role.
      const role = !nested && layers.every((x) => x.weights === 0) ? 'first' : 'hidden';
      const s = levelFor(l, role);
      const c = countWeighted(l, shape, name, s);
      layers.push(...c.counts);
      shape = c.shape;
    }
    return shape;
  };
  let shape = walk(arch.layers, arch.input === 'flat' ? [prod(inputShape)] : inputShape.slice(), '', false);
  if (shape.length > 1) shape = [prod(shape)];
  const clf: LayerSpec = { type: 'dense', name: 'classifier', units: classes };
  const c = countWeighted(clf, shape, 'classifier', levelFor(clf, 'classifier'));
  layers.push(...c.counts);
  const sum = (f: (l: LayerCount) => number) => layers.reduce((a, l) => a + f(l), 0);
  return {
    layers, params: sum((l) => l.params), weights: sum((l) => l.weights),
    nonZeros: sum((l) => l.params - Math.round(l.weights * l.sparsity)),
    denseFlops: sum((l) => l.denseFlops), sparseFlops: sum((l) => l.sparseFlops), layerInputs,
  };
}

function countWeighted(l: LayerSpec, shape: Shape, name: string, sparsity: number): { counts: LayerCount[]; shape: Shape } {
  const one = (type: string, weights: number, bias: number, macs: number, out: Shape, s: number): LayerCount => ({
    name: type === 'pointwise' ? `${name}.pointwise` : type === 'depthwise' ? `${name}.depthwise` : name,
    type, weights, params: weights + bias, sparsity: s, denseFlops: 2 * macs, sparseFlops: 2 * macs * (1 - s), outputShape: out,
  });
  if (l.type === 'dense') {
    const din = prod(shape);
    const out = [l.units];
    return { counts: [one('dense', din * l.units, l.useBias === false ? 0 : l.units, din * l.units, out, sparsity)], shape: out };
  }
  if (shape.length !== 3) throw new SparsenasError('ARCH_INVALID', `layer ${name} (${l.type}) needs an image input [h, w, c], got [${shape}]; use an image-input architecture`);
  const [h, w, cin] = shape as [number, number, number];
  if (l.type === 'conv2d') {
    const [ho, wo] = convOut(h, w, l.kernel, l.stride ?? 1, l.padding ?? 'same', l.dilation ?? 1);
    const out = [ho, wo, l.filters];
    const k = l.kernel * l.kernel * cin * l.filters;
    return { counts: [one('conv2d', k, l.useBias === false ? 0 : l.filters, k * ho * wo, out, sparsity)], shape: out };
  }
  if (l.type === 'depthwiseConv2d') {
    const mult = l.depthMultiplier ?? 1;
    const [ho, wo] = convOut(h, w, l.kernel, l.stride ?? 1, l.padding ?? 'same', l.dilation ?? 1);
    const k = l.kernel * l.kernel * cin * mult;
    return { counts: [one('depthwiseConv2d', k, cin * mult, k * ho * wo, [ho, wo, cin * mult], sparsity)], shape: [ho, wo, cin * mult] };
  }
  if (l.type === 'separableConv2d') {
    const [ho, wo] = convOut(h, w, l.kernel, l.stride ?? 1, l.padding ?? 'same', l.dilation ?? 1);
    const kd = l.kernel * l.kernel * cin;
    const kp = cin * l.filters;
    return {
      counts: [one('depthwise', kd, 0, kd * ho * wo, [ho, wo, cin], sparsity), one('pointwise', kp, l.filters, kp * ho * wo, [ho, wo, l.filters], sparsity)],
      shape: [ho, wo, l.filters],
    };
  }
  throw new SparsenasError('ARCH_INVALID', `layer ${name}: unknown weighted layer type ${(l as { type: string }).type}`);
}

function passThrough(l: LayerSpec, shape: Shape): Shape {
  switch (l.type) {
    case 'maxPool':
    case 'avgPool': {
      if (shape.length !== 3) throw new SparsenasError('ARCH_INVALID', `a ${l.type} layer needs an image input, got [${shape}]`);
      const [ho, wo] = convOut(shape[0]!, shape[1]!, l.size, l.stride ?? l.size, l.padding ?? 'valid', 1);
      return [ho, wo, shape[2]!];
    }
    case 'globalAvgPool':
      return [shape[shape.length - 1]!];
    case 'flatten':
      return [prod(shape)];
    default:
      return shape;
  }
}

/** tfjs output size: 'same' → ceil(n / stride); 'valid' → ceil((n − (k − 1)·d) / stride). */
export function convOut(h: number, w: number, k: number, stride: number, padding: 'same' | 'valid', dilation: number): [number, number] {
  const eff = (k - 1) * dilation + 1;
  const f = (n: number) => (padding === 'same' ? Math.ceil(n / stride) : Math.ceil((n - eff + 1) / stride));
  return [f(h), f(w)];
}

const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);
