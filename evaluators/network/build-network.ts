import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, SparsenasError, type Architecture, type Rng } from '../../search/index.js';
import type { MaskedParam } from '../sparse/types.js';
import { initKernel } from './init.js';
import { activate } from './ops.js';
import { dilateFilter } from '../kernels/dilated-conv.js';
import { activationOf, planNetwork, type NetworkPlan, type PlanNode, type Role } from './plan.js';
import { structuralMask } from './structural-mask.js';
import type { ForwardOptions, LayerRecord, NamedTensor, Network } from './types.js';

type Forward = (x: tf.Tensor, options: ForwardOptions) => tf.Tensor;
type WeightOf = (param: MaskedParam) => tf.Tensor;
/** One saved weight: how `namedWeights` reads it and how `loadWeights` writes it back. */
type Saved = { name: string; value: (weight: WeightOf) => tf.Tensor; load: (saved: tf.Tensor) => void };
type Kernel = { param: MaskedParam; value: (weight: WeightOf) => tf.Tensor };

/** Running statistics follow PyTorch: r ← 0.9·r + 0.1·batch; ε = 1e-5 (also given to the exported layer). */
export const BN_MOMENTUM = 0.9;
export const BN_EPSILON = 1e-5;

let networkCount = 0;

/**
 * Build a trainable network from an architecture for inputs of `inputShape` and `classes`
 * outputs. Weights are drawn from `seed`; every masked kernel starts with mask = node mask
 * (all ones without `keepNodes`) and `targetSparsity` = the layer override or the global level:
 * the sparse method's `init` then picks the real masks.
 */
export function buildNetwork(arch: Architecture, inputShape: readonly number[], classes: number, seed: number): Network {
  return new RawNetwork(planNetwork(arch, inputShape, classes), arch.sparsity.level, seed);
}

class RawNetwork implements Network {
  readonly params: MaskedParam[] = [];
  readonly trainable: tf.Variable[] = [];
  readonly records: LayerRecord[] = [];
  private readonly owned: tf.Tensor[] = [];
  private readonly structure: { target: tf.Variable[]; mask: tf.Tensor }[] = [];
  private readonly saved: Saved[] = [];
  private pendingBn: { mean: tf.Variable; variance: tf.Variable; batchMean: tf.Tensor; batchVariance: tf.Tensor }[] = [];
  private readonly uid = `net${networkCount++}`;
  private readonly dropoutRng: Rng;
  private readonly forward: Forward;

  constructor(readonly plan: NetworkPlan, private readonly level: number, private readonly seed: number) {
    this.dropoutRng = createRng(deriveSeed(seed, 'dropout'));
    try {
      this.forward = this.chain(plan.nodes);
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  apply(x: tf.Tensor, options: ForwardOptions): tf.Tensor {
    const weight = options.weight ?? ((p: MaskedParam) => tf.mul(p.weight, p.mask));
    const flat = tf.reshape(x, [x.shape[0]!, ...this.plan.inputShape]);
    return this.forward(flat, { ...options, weight });
  }

  commitBatchNorm(): void {
    for (const u of this.pendingBn) {
      tf.tidy(() => {
        u.mean.assign(tf.add(tf.mul(u.mean, BN_MOMENTUM), tf.mul(u.batchMean, 1 - BN_MOMENTUM)));
        u.variance.assign(tf.add(tf.mul(u.variance, BN_MOMENTUM), tf.mul(u.batchVariance, 1 - BN_MOMENTUM)));
      });
    }
    this.discardBatchNorm();
  }

  discardBatchNorm(): void {
    for (const u of this.pendingBn) tf.dispose([u.batchMean, u.batchVariance]);
    this.pendingBn = [];
  }

  enforceStructure(): void {
    tf.tidy(() => {
      for (const s of this.structure) for (const v of s.target) v.assign(tf.mul(v, s.mask));
    });
  }

  namedWeights(weight?: (param: MaskedParam) => tf.Tensor): NamedTensor[] {
    const w = weight ?? ((p: MaskedParam) => tf.mul(p.weight, p.mask));
    return this.saved.map((s) => ({ name: s.name, tensor: tf.tidy(() => s.value(w)) }));
  }

  loadWeights(weights: ReadonlyMap<string, { shape: readonly number[]; values: Float32Array }>): void {
    for (const s of this.saved) {
      const w = weights.get(s.name);
      const expected = tf.tidy(() => s.value((p) => p.weight).shape);
      if (!w) throw new SparsenasError('WEIGHTS_MISMATCH', `the saved weights have no ${s.name}; they belong to another architecture`);
      if (w.shape.length !== expected.length || w.shape.some((d, i) => d !== expected[i])) {
        throw new SparsenasError('WEIGHTS_MISMATCH', `saved weight ${s.name} has shape [${w.shape.join(', ')}], the network needs [${expected.join(', ')}]; they belong to another architecture`);
      }
    }
    for (const s of this.saved) {
      const w = weights.get(s.name)!;
      tf.tidy(() => s.load(tf.tensor(w.values, [...w.shape])));
    }
  }

  dispose(): void {
    this.discardBatchNorm();
    tf.dispose(this.owned);
    this.owned.length = 0;
  }

  // ---- building ----

  private chain(nodes: readonly PlanNode[]): Forward {
    const steps = nodes.map((n) => this.layer(n));
    return (x, o) => steps.reduce((h, step) => step(h, o), x);
  }

  private own<T extends tf.Tensor>(t: T): T {
    this.owned.push(t);
    return t;
  }

  private variable(name: string, init: tf.Tensor, trainable: boolean): tf.Variable {
    const v = this.own(tf.variable(init, trainable, `${this.uid}/${name}`));
    init.dispose();
    if (trainable) this.trainable.push(v);
    return v;
  }

  /**
   * One masked kernel: weight, mask (starting as the node mask, or all ones), the fixed node
   * mask re-applied by `enforceStructure`, and its entry in the saved weights. `value` is the
   * kernel the forward pass uses: the method's effective weight, times the node mask.
   */
  private kernel(node: PlanNode, record: LayerRecord, name: string, savedAs: string, layerType: MaskedParam['layerType'],
    shape: number[], fan: [number, number], structure: Float32Array | undefined): Kernel {
    const role: Role = node.role ?? 'hidden';
    const seed = deriveSeed(this.seed, 'init', name);
    // Weights of removed nodes start at zero, so a magnitude-based initial mask prunes them first.
    const initial = tf.tidy(() => {
      const w = initKernel(shape, fan[0], fan[1], activationOf(node.spec), role === 'classifier', seed);
      return structure ? tf.mul(w, tf.tensor(structure, shape)) : w;
    });
    const weight = this.variable(`${name}/kernel`, initial, true);
    const mask = this.variable(`${name}/mask`, structure ? tf.tensor(structure, shape) : tf.ones(shape), false);
    const override = 'sparsity' in node.spec ? node.spec.sparsity : undefined;
    const positions = node.outShape.length === 3 ? node.outShape[0]! * node.outShape[1]! : 1;
    const param: MaskedParam = {
      // A depthwise kernel [kh, kw, C, mult] maps channel c to outputs c·mult…: its "filters" are
      // the channels (axis 2); grouping along the multiplier axis would prune whole layers.
      name, layerType, role, weight, mask, inputAxis: layerType === 'dense' ? 0 : 2, outputAxis: layerType === 'depthwiseConv2d' ? 2 : shape.length - 1,
      outputPositions: positions, targetSparsity: override ?? this.level, ...(override !== undefined ? { sparsityOverride: override } : {}),
    };
    const fixed = structure ? this.own(tf.tensor(structure, shape)) : undefined;
    if (fixed) this.structure.push({ target: [weight, mask], mask: fixed });
    const value = (w: WeightOf) => (fixed ? tf.mul(w(param), fixed) : w(param));
    // The saved kernel is the effective weight (masks applied): it is W, its non-zeros are M.
    const load = (t: tf.Tensor) => { weight.assign(t); mask.assign(tf.cast(tf.notEqual(t, 0), 'float32')); };
    this.saved.push({ name: savedAs, value, load });
    this.params.push(param);
    record.kernels.push(param);
    return { param, value };
  }

  private bias(node: PlanNode, size: number, removed: readonly number[]): { bias: tf.Variable; kept: number; mask?: tf.Tensor } {
    const bias = this.variable(`${node.name}/bias`, tf.zeros([size]), true);
    if (!removed.length) return { bias, kept: size };
    const m = new Float32Array(size).fill(1);
    for (const r of removed) m[r] = 0;
    const mask = this.own(tf.tensor1d(m));
    this.structure.push({ target: [bias], mask });
    return { bias, kept: size - removed.length, mask };
  }

  private layer(node: PlanNode): Forward {
    const spec = node.spec;
    // Branches first, so records and params are in forward order (branches before their sum).
    const branches = node.branches?.map((b) => this.chain(b));
    const record: LayerRecord = { node, kernels: [], biasSize: 0, biasKept: 0, otherParams: 0 };
    this.records.push(record);
    const inC = node.inShape[node.inShape.length - 1]!;
    const withBias = (useBias: boolean, units: number, removed: readonly number[]) => {
      if (!useBias) return (y: tf.Tensor) => y;
      const b = this.bias(node, units, removed);
      record.biasSize = units;
      record.biasKept = b.kept;
      this.saved.push({ name: `${node.name}/bias`, value: () => (b.mask ? tf.mul(b.bias, b.mask) : b.bias.clone()), load: (t) => b.bias.assign(t) });
      return (y: tf.Tensor) => tf.add(y, b.mask ? tf.mul(b.bias, b.mask) : b.bias);
    };

    switch (spec.type) {
      case 'dense': {
        const units = spec.units;
        const own = ownRemoved(spec.keepNodes, units);
        const k = this.kernel(node, record, node.name, `${node.name}/kernel`, 'dense', [inC, units], [inC, units], structuralMask([inC, units], node.removedIn, own));
        const addBias = withBias(spec.useBias!, units, own);
        return (x, o) => activate(addBias(tf.matMul(x as tf.Tensor2D, k.value(o.weight!) as tf.Tensor2D)), spec.activation!);
      }
      case 'conv2d': {
        const f = spec.filters, shape = [spec.kernel, spec.kernel, inC, f], taps = spec.kernel * spec.kernel;
        const own = ownRemoved(spec.keepNodes, f);
        const k = this.kernel(node, record, node.name, `${node.name}/kernel`, 'conv2d', shape, [taps * inC, taps * f], structuralMask(shape, node.removedIn, own));
        const addBias = withBias(spec.useBias!, f, own);
        return (x, o) => {
          const w = dilateFilter(k.value(o.weight!) as tf.Tensor4D, spec.dilation!);
          return activate(addBias(tf.conv2d(x as tf.Tensor4D, w, spec.stride!, spec.padding!)), spec.activation!);
        };
      }
      case 'depthwiseConv2d': {
        const mult = spec.depthMultiplier!, shape = [spec.kernel, spec.kernel, inC, mult], taps = spec.kernel * spec.kernel;
        const own = ownRemoved(spec.keepNodes, inC * mult);
        const k = this.kernel(node, record, node.name, `${node.name}/depthwise_kernel`, 'depthwiseConv2d', shape, [taps, taps * mult], structuralMask(shape, node.removedIn, own, true));
        const addBias = withBias(true, inC * mult, own);
        return (x, o) => {
          const w = dilateFilter(k.value(o.weight!) as tf.Tensor4D, spec.dilation!);
          return activate(addBias(tf.depthwiseConv2d(x as tf.Tensor4D, w, spec.stride!, spec.padding!)), spec.activation!);
        };
      }
      case 'separableConv2d': {
        const f = spec.filters, dShape = [spec.kernel, spec.kernel, inC, 1], pShape = [1, 1, inC, f], taps = spec.kernel * spec.kernel;
        const own = ownRemoved(spec.keepNodes, f);
        const dw = this.kernel(node, record, `${node.name}.depthwise`, `${node.name}/depthwise_kernel`, 'depthwiseConv2d', dShape, [taps, taps], structuralMask(dShape, node.removedIn, [], true));
        const pw = this.kernel(node, record, `${node.name}.pointwise`, `${node.name}/pointwise_kernel`, 'conv2d', pShape, [inC, f], structuralMask(pShape, node.removedIn, own));
        const addBias = withBias(true, f, own);
        return (x, o) => {
          const d = tf.depthwiseConv2d(x as tf.Tensor4D, dilateFilter(dw.value(o.weight!) as tf.Tensor4D, spec.dilation!), spec.stride!, spec.padding!);
          return activate(addBias(tf.conv2d(d, pw.value(o.weight!) as tf.Tensor4D, 1, 'valid')), spec.activation!);
        };
      }
      case 'maxPool':
        return (x) => tf.maxPool(x as tf.Tensor4D, spec.size, spec.stride!, spec.padding!);
      case 'avgPool':
        return (x) => tf.avgPool(x as tf.Tensor4D, spec.size, spec.stride!, spec.padding!);
      case 'globalAvgPool':
        return (x) => tf.mean(x, [1, 2]);
      case 'flatten':
        return (x) => (x.rank === 2 ? x : tf.reshape(x, [x.shape[0]!, -1]));
      case 'activation':
        return (x) => activate(x, spec.activation);
      case 'dropout':
        return (x, o) => (o.training && spec.rate > 0 ? tf.dropout(x, spec.rate, undefined, this.dropoutRng.int(0, 2 ** 31 - 1)) : x);
      case 'batchNorm':
        return this.batchNorm(node, record, spec.affine !== false, inC);
      case 'sum': {
        return (x, o) => {
          const outs = branches!.map((b) => b(x, o));
          return activate(outs.length === 1 ? outs[0]! : tf.addN(outs), spec.activation!);
        };
      }
    }
  }

  private batchNorm(node: PlanNode, record: LayerRecord, affine: boolean, channels: number): Forward {
    const gamma = affine ? this.variable(`${node.name}/gamma`, tf.ones([channels]), true) : undefined;
    const beta = affine ? this.variable(`${node.name}/beta`, tf.zeros([channels]), true) : undefined;
    const mean = this.variable(`${node.name}/movingMean`, tf.zeros([channels]), false);
    const variance = this.variable(`${node.name}/movingVariance`, tf.ones([channels]), false);
    record.otherParams = affine ? 2 * channels : 0;
    if (gamma && beta) {
      this.saved.push(savedVariable(`${node.name}/gamma`, gamma), savedVariable(`${node.name}/beta`, beta));
    }
    this.saved.push(savedVariable(`${node.name}/movingMean`, mean), savedVariable(`${node.name}/movingVariance`, variance));
    const axes = node.inShape.length === 3 ? [0, 1, 2] : [0];
    // tf.batchNorm without scale/offset breaks its gradient (it saves the missing tensors), so
    // the non-affine form is written out.
    const normalise = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor) => gamma && beta
      ? tf.batchNorm(x, m, v, beta, gamma, BN_EPSILON)
      : tf.mul(tf.sub(x, m), tf.rsqrt(tf.add(v, BN_EPSILON)));
    return (x, o) => {
      if (!o.training) return normalise(x, mean, variance);
      const m = tf.moments(x, axes);
      this.pendingBn.push({ mean, variance, batchMean: tf.keep(m.mean), batchVariance: tf.keep(m.variance) });
      return normalise(x, m.mean, m.variance);
    };
  }
}

function savedVariable(name: string, v: tf.Variable): Saved {
  return { name, value: () => v.clone(), load: (t) => v.assign(t) };
}

function ownRemoved(keep: readonly number[] | undefined, n: number): number[] {
  if (!keep) return [];
  const kept = new Set(keep);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (!kept.has(i)) out.push(i);
  return out;
}
