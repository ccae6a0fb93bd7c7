import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, layerDescriptor, planNetwork, SparsenasError, activationOf } from '../../search/index.js';
import type { Architecture, LayerWeight, NetworkPlan, PlanNode, Rng } from '../../search/index.js';
import type { MaskedParam } from '../sparse/types.js';
import { initKernel } from './init.js';
import { BN_MOMENTUM } from './layers/batch-norm.js';
import { layerBuilder } from './layers/registry.js';
import type { BatchStatistics, BiasAdd, BuildContext, Forward, Kernel, WeightOf } from './layers/types.js';
import { structuralMask } from './structural-mask.js';
import type { ForwardOptions, LayerRecord, NamedTensor, Network } from './types.js';

export { BN_EPSILON, BN_MOMENTUM } from './layers/batch-norm.js';

/** One saved weight: how `namedWeights` reads it and how `loadWeights` writes it back. */
type Saved = { name: string; value: (weight: WeightOf) => tf.Tensor; load: (saved: tf.Tensor) => void };

let networkCount = 0;

/**
 * Build a trainable network from an architecture for inputs of `inputShape` and `classes`
 * outputs. Weights are drawn from `seed`; every masked kernel starts with mask = node mask
 * (all ones without `keepNodes`) and `targetSparsity` = the layer override or the global level:
 * the sparse method's `init` then picks the real masks. Each layer type's forward pass is its
 * builder's (`layers/<type>.ts`); every tensor is created here, with the shapes the layer's
 * descriptor lists, so what is built is what `spaces/flops.ts` counts.
 */
export function buildNetwork(arch: Architecture, inputShape: readonly number[], classes: number, seed: number): Network {
  return new RawNetwork(planNetwork(arch, inputShape, classes), arch.sparsity.level, seed);
}

/**
 * Build a planned chain as a trainable network (`planLayers`: a piece without classifier, e.g.
 * one DARTS op); kernels start at `level` as `targetSparsity`. `apply` returns the chain's output.
 */
export function buildPlannedNetwork(plan: NetworkPlan, level: number, seed: number): Network {
  return new RawNetwork(plan, level, seed);
}

class RawNetwork implements Network, BuildContext {
  readonly params: MaskedParam[] = [];
  readonly trainable: tf.Variable[] = [];
  readonly records: LayerRecord[] = [];
  private readonly owned: tf.Tensor[] = [];
  private readonly structure: { target: tf.Variable[]; mask: tf.Tensor }[] = [];
  private readonly saved: Saved[] = [];
  private readonly building = new Map<PlanNode, LayerRecord>();
  private pendingBn: BatchStatistics[] = [];
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

  // ---- BuildContext: what the layer builders create their tensors with ----

  chain(nodes: readonly PlanNode[]): Forward {
    const steps = nodes.map((n) => this.layer(n));
    return (x, o) => steps.reduce((h, step) => step(h, o), x);
  }

  /**
   * One masked kernel: weight, mask (starting as the node mask, or all ones), the fixed node
   * mask re-applied by `enforceStructure`, and its entry in the saved weights.
   */
  kernel(node: PlanNode, suffix: string, removedOut: readonly number[] = [], depthwise = false): Kernel {
    const listed = this.listed(node, suffix);
    const info = listed.kernel;
    if (!info) throw new SparsenasError('LAYER_BUILD', `layer ${node.name}: ${suffix} is not a kernel of a ${node.spec.type} layer`);
    const { shape } = listed, name = info.param;
    const structure = structuralMask(shape, node.removedIn, removedOut, depthwise);
    const role = node.role ?? 'hidden';
    const seed = deriveSeed(this.seed, 'init', name);
    // Weights of removed nodes start at zero, so a magnitude-based initial mask prunes them first.
    const initial = tf.tidy(() => {
      const w = initKernel(shape, info.fan[0], info.fan[1], activationOf(node.spec), role === 'classifier', seed);
      return structure ? tf.mul(w, tf.tensor(structure, shape)) : w;
    });
    const weight = this.variable(`${name}/kernel`, initial, true);
    const mask = this.variable(`${name}/mask`, structure ? tf.tensor(structure, shape) : tf.ones(shape), false);
    const override = 'sparsity' in node.spec ? node.spec.sparsity : undefined;
    const layerType = info.layerType;
    const param: MaskedParam = {
      // A depthwise kernel [kh, kw, C, mult] maps channel c to outputs c·mult…: its "filters" are
      // the channels (axis 2); grouping along the multiplier axis would prune whole layers.
      name, layerType, role, weight, mask, inputAxis: layerType === 'dense' ? 0 : 2, outputAxis: layerType === 'depthwiseConv2d' ? 2 : shape.length - 1,
      outputPositions: info.positions, targetSparsity: override ?? this.level, ...(override !== undefined ? { sparsityOverride: override } : {}),
    };
    const fixed = structure ? this.own(tf.tensor(structure, shape)) : undefined;
    if (fixed) this.structure.push({ target: [weight, mask], mask: fixed });
    const value = (w: WeightOf) => (fixed ? tf.mul(w(param), fixed) : w(param));
    // The saved kernel is the effective weight (masks applied): it is W, its non-zeros are M.
    const load = (t: tf.Tensor) => { weight.assign(t); mask.assign(tf.cast(tf.notEqual(t, 0), 'float32')); };
    this.saved.push({ name: `${node.name}/${suffix}`, value, load });
    this.params.push(param);
    this.record(node).kernels.push(param);
    return { param, value };
  }

  bias(node: PlanNode, removed: readonly number[] = []): BiasAdd {
    const listed = layerDescriptor(node.spec).weights(node).find((w) => w.suffix === 'bias');
    if (!listed) return (y) => y;
    const size = listed.shape[0]!;
    const bias = this.variable(`${node.name}/bias`, tf.zeros([size]), true);
    let mask: tf.Tensor | undefined;
    if (removed.length) {
      const m = new Float32Array(size).fill(1);
      for (const r of removed) m[r] = 0;
      mask = this.own(tf.tensor1d(m));
      this.structure.push({ target: [bias], mask });
    }
    const record = this.record(node);
    record.biasSize = size;
    record.biasKept = size - removed.length;
    this.saved.push({ name: `${node.name}/bias`, value: () => (mask ? tf.mul(bias, mask) : bias.clone()), load: (t) => bias.assign(t) });
    const tensor = () => (mask ? tf.mul(bias, mask) : bias);
    return Object.assign((y: tf.Tensor) => tf.add(y, tensor()), { tensor });
  }

  parameter(node: PlanNode, suffix: string, init: tf.Tensor): tf.Variable {
    const listed = this.listed(node, suffix);
    if (listed.shape.join() !== init.shape.join()) {
      throw new SparsenasError('LAYER_BUILD', `layer ${node.name}: ${suffix} is built [${init.shape.join(', ')}] but its descriptor lists [${listed.shape.join(', ')}]`);
    }
    const v = this.variable(`${node.name}/${suffix}`, init, true);
    this.record(node).otherParams += v.size;
    this.saved.push(savedVariable(`${node.name}/${suffix}`, v));
    return v;
  }

  state(node: PlanNode, suffix: string, init: tf.Tensor): tf.Variable {
    const v = this.variable(`${node.name}/${suffix}`, init, false);
    this.saved.push(savedVariable(`${node.name}/${suffix}`, v));
    return v;
  }

  batchStatistics(update: BatchStatistics): void {
    this.pendingBn.push(update);
  }

  dropoutSeed(): number {
    return this.dropoutRng.int(0, 2 ** 31 - 1);
  }

  // ---- internals ----

  /** Build one node; its record follows its children's, so records and params are in forward order. */
  private layer(node: PlanNode): Forward {
    const forward = layerBuilder(node.spec, node.name).build(node, this);
    this.records.push(this.record(node));
    this.building.delete(node);
    return forward;
  }

  private record(node: PlanNode): LayerRecord {
    let r = this.building.get(node);
    if (!r) this.building.set(node, (r = { node, kernels: [], biasSize: 0, biasKept: 0, otherParams: 0 }));
    return r;
  }

  private listed(node: PlanNode, suffix: string): LayerWeight {
    const w = layerDescriptor(node.spec).weights(node).find((x) => x.suffix === suffix);
    if (!w) throw new SparsenasError('LAYER_BUILD', `layer ${node.name}: a ${node.spec.type} layer has no weight "${suffix}" in its descriptor`);
    return w;
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
}

function savedVariable(name: string, v: tf.Variable): Saved {
  return { name, value: () => v.clone(), load: (t) => v.assign(t) };
}
