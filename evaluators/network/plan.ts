import type { Activation, Architecture, LayerSpec } from '../../search/index.js';
import { ArchitectureError } from '../errors.js';
import { convOutputSize } from './shapes.js';

export type Role = 'first' | 'hidden' | 'classifier';

/**
 * One resolved layer: what both the raw-op network and the tf.layers export build from, so
 * names, shapes, the automatic flatten and the classifier are decided in one place.
 * Shapes are per sample: [h, w, c] or [d].
 */
export interface PlanNode {
  /** Unique name; nested layers are `sum_3.b0.dense_0`. Weight names are `<name>/kernel` etc. */
  name: string;
  /** The layer (defaults filled in); automatic flattens and the classifier appear as ordinary specs. */
  spec: LayerSpec;
  inShape: number[];
  outShape: number[];
  /** Weighted layers only. */
  role?: Role;
  /** Input nodes removed upstream by a node mask (channel indices, or flat indices after a flatten). */
  removedIn: number[];
  /** Output nodes removed by this layer's own `keepNodes` or passed through from the input. */
  removedOut: number[];
  /** `sum` only: the planned branches. */
  branches?: PlanNode[][];
}

export interface NetworkPlan {
  inputShape: number[];
  classes: number;
  nodes: PlanNode[];
}

export const WEIGHTED = new Set<LayerSpec['type']>(['dense', 'conv2d', 'depthwiseConv2d', 'separableConv2d']);

const PREFIX: Record<LayerSpec['type'], string> = {
  dense: 'dense', conv2d: 'conv', depthwiseConv2d: 'dwconv', separableConv2d: 'sep', maxPool: 'maxpool',
  avgPool: 'avgpool', globalAvgPool: 'gap', flatten: 'flatten', batchNorm: 'bn', activation: 'act', dropout: 'dropout', sum: 'sum',
};

/**
 * Resolve an architecture against a dataset: check shapes, name every layer, insert a flatten
 * where a dense layer meets an image (and at the start for `input: 'flat'`), append the dense
 * classifier, mark the first weighted layer(s), and propagate node masks.
 *
 * Defaults: conv/depthwise/separable padding `same`, stride 1, dilation 1, bias on (as
 * tf.layers; depthwise and separable always have one, after the last kernel); pools
 * stride = size, padding `valid`.
 */
export function planNetwork(arch: Architecture, inputShape: readonly number[], classes: number): NetworkPlan {
  const names = new Set<string>();
  const state: WalkState = { shape: [...inputShape], removed: [], afterWeighted: false };
  const nodes: PlanNode[] = [];
  if (arch.input === 'flat' && state.shape.length > 1) nodes.push(node({ type: 'flatten', name: 'flatten_input' }, 'flatten_input', state, names));
  walk(arch.layers, '', state, nodes, names);
  const head: LayerSpec = { type: 'dense', units: classes, activation: 'linear', name: 'classifier' };
  if (state.shape.length > 1) nodes.push(node({ type: 'flatten' }, 'flatten_classifier', state, names));
  nodes.push(node(head, 'classifier', state, names, 'classifier'));
  return { inputShape: [...inputShape], classes, nodes };
}

interface WalkState { shape: number[]; removed: number[]; afterWeighted: boolean }

function walk(layers: readonly LayerSpec[], prefix: string, state: WalkState, out: PlanNode[], names: Set<string>): void {
  layers.forEach((spec, i) => {
    const name = prefix + (spec.name ?? `${PREFIX[spec.type]}_${i}`);
    if (spec.type === 'dense' && state.shape.length > 1) out.push(node({ type: 'flatten' }, `${prefix}flatten_before_${i}`, state, names));
    out.push(node(spec, name, state, names));
  });
}

function node(spec: LayerSpec, name: string, state: WalkState, names: Set<string>, role?: Role): PlanNode {
  if (names.has(name)) throw new ArchitectureError(name, `two layers are named "${name}"; layer names must be unique`);
  names.add(name);
  const inShape = state.shape;
  const removedIn = state.removed;
  const resolved = withDefaults(spec);
  const n: PlanNode = { name, spec: resolved, inShape, outShape: inShape, removedIn, removedOut: removedIn };
  if (WEIGHTED.has(spec.type)) {
    n.role = role ?? (state.afterWeighted ? 'hidden' : 'first');
    state.afterWeighted = true;
  }
  const image = (): [number, number, number] => {
    if (inShape.length !== 3) throw new ArchitectureError(name, `layer ${name} (${spec.type}) needs an image input [h, w, c] but gets [${inShape.join(', ')}]; put it before any flatten/dense layer or use input: 'image'`);
    return inShape as [number, number, number];
  };
  switch (resolved.type) {
    case 'dense': {
      if (inShape.length !== 1) throw new ArchitectureError(name, `dense layer ${name} gets a [${inShape.join(', ')}] input`);
      n.outShape = [resolved.units];
      n.removedOut = removedByKeep(name, resolved.keepNodes, resolved.units);
      break;
    }
    case 'conv2d':
    case 'depthwiseConv2d':
    case 'separableConv2d': {
      const [h, w, c] = image();
      const k = resolved.kernel, s = resolved.stride!, d = resolved.dilation!, pad = resolved.padding!;
      const ho = convOutputSize(h, k, s, d, pad), wo = convOutputSize(w, k, s, d, pad);
      if (ho < 1 || wo < 1) throw new ArchitectureError(name, `layer ${name}: a ${k}×${k} kernel (dilation ${d}, padding ${pad}) does not fit a ${h}×${w} input; use padding 'same' or fewer stride-2 layers`);
      if (resolved.type === 'depthwiseConv2d') {
        const mult = resolved.depthMultiplier!;
        const removed = new Set(removedByKeep(name, resolved.keepNodes, c * mult));
        for (const ch of removedIn) for (let j = 0; j < mult; j++) removed.add(ch * mult + j);
        n.outShape = [ho, wo, c * mult];
        n.removedOut = [...removed].sort((a, b) => a - b);
      } else {
        n.outShape = [ho, wo, resolved.filters];
        n.removedOut = removedByKeep(name, resolved.keepNodes, resolved.filters);
      }
      break;
    }
    case 'maxPool':
    case 'avgPool': {
      const [h, w, c] = image();
      const ho = convOutputSize(h, resolved.size, resolved.stride!, 1, resolved.padding!);
      const wo = convOutputSize(w, resolved.size, resolved.stride!, 1, resolved.padding!);
      if (ho < 1 || wo < 1) throw new ArchitectureError(name, `pool ${name} of size ${resolved.size} does not fit a ${h}×${w} input; use padding 'same' or remove a pooling layer`);
      n.outShape = [ho, wo, c];
      break;
    }
    case 'globalAvgPool': n.outShape = [image()[2]]; break;
    case 'flatten': {
      if (inShape.length === 1) break;
      const [h, w, c] = image();
      n.outShape = [h * w * c];
      n.removedOut = [];
      for (let p = 0; p < h * w; p++) for (const ch of removedIn) n.removedOut.push(p * c + ch);
      n.removedOut.sort((a, b) => a - b);
      break;
    }
    case 'batchNorm': case 'activation': case 'dropout': break;
    case 'sum': {
      if (resolved.branches.length < 1) throw new ArchitectureError(name, `sum ${name} has no branches`);
      const ends: WalkState[] = [];
      n.branches = resolved.branches.map((branch, b) => {
        const st: WalkState = { shape: inShape, removed: removedIn, afterWeighted: state.afterWeighted };
        const planned: PlanNode[] = [];
        walk(branch, `${name}.b${b}.`, st, planned, names);
        ends.push(st);
        return planned;
      });
      const shape = ends[0]!.shape;
      for (const [b, e] of ends.entries()) {
        if (e.shape.join() !== shape.join()) throw new ArchitectureError(name, `sum ${name}: branch ${b} outputs [${e.shape.join(', ')}] but branch 0 outputs [${shape.join(', ')}]; branches must agree`);
      }
      n.outShape = shape;
      // A summed node is gone only if every branch removed it.
      n.removedOut = ends[0]!.removed.filter((r) => ends.every((e) => e.removed.includes(r)));
      state.afterWeighted = ends.some((e) => e.afterWeighted) || state.afterWeighted;
      break;
    }
  }
  state.shape = n.outShape;
  state.removed = n.removedOut;
  return n;
}

function withDefaults(spec: LayerSpec): LayerSpec {
  switch (spec.type) {
    case 'dense': return { activation: 'linear', useBias: true, ...spec };
    case 'conv2d': return { stride: 1, padding: 'same', dilation: 1, activation: 'linear', useBias: true, ...spec };
    case 'depthwiseConv2d': return { stride: 1, padding: 'same', dilation: 1, depthMultiplier: 1, activation: 'linear', ...spec };
    case 'separableConv2d': return { stride: 1, padding: 'same', dilation: 1, activation: 'linear', ...spec };
    case 'maxPool': case 'avgPool': return { stride: spec.size, padding: 'valid', ...spec };
    case 'batchNorm': return { affine: true, ...spec };
    case 'sum': return { activation: 'linear', ...spec };
    default: return spec;
  }
}

function removedByKeep(name: string, keep: readonly number[] | undefined, n: number): number[] {
  if (!keep) return [];
  const kept = new Set<number>();
  for (const k of keep) {
    if (!Number.isInteger(k) || k < 0 || k >= n) throw new ArchitectureError(name, `layer ${name}: keepNodes index ${k} is outside 0..${n - 1}`);
    kept.add(k);
  }
  if (kept.size === 0) throw new ArchitectureError(name, `layer ${name}: keepNodes keeps no node; keep at least one`);
  const removed: number[] = [];
  for (let i = 0; i < n; i++) if (!kept.has(i)) removed.push(i);
  return removed;
}

/** The activation a weighted/sum layer applies after its linear part. */
export function activationOf(spec: LayerSpec): Activation {
  return ('activation' in spec && spec.activation) || 'linear';
}
