import { DENSE_SPARSITY, layerDescriptor, type Architecture, type LayerSpec, type SparsitySpec } from '../../search/index.js';
import { WgsefError } from './errors.js';

/** Surviving output units (neurons of a dense layer, filters of a conv) per layer name. */
export type Survivors = { readonly [layerName: string]: readonly number[] };

/**
 * Layer names as the network plan assigns them (search/layers/plan.ts): `spec.name`, else
 * `<descriptor prefix>_<index>`; layers inside a `sum` branch are `<sum>.b<branch>.<name>`.
 * Survivors reported by a grouped run are keyed by these names.
 */
export function layerName(spec: LayerSpec, index: number, prefix = ''): string {
  return prefix + (spec.name ?? `${layerDescriptor(spec).prefix}_${index}`);
}

/** Width (output units) of a layer that WGSEF can narrow, else undefined. */
export function groupedWidth(spec: LayerSpec): number | undefined {
  if (spec.type === 'dense') return spec.units;
  if (spec.type === 'conv2d' || spec.type === 'separableConv2d') return spec.filters;
  return undefined;
}

/** Names and widths of every layer a grouped run can narrow, in network order. */
export function groupedLayers(arch: Architecture): { name: string; width: number }[] {
  const out: { name: string; width: number }[] = [];
  const walk = (layers: readonly LayerSpec[], prefix: string): void => layers.forEach((spec, i) => {
    const name = layerName(spec, i, prefix);
    if (spec.type === 'sum') spec.branches.forEach((b, j) => walk(b, `${name}.b${j}.`));
    const width = groupedWidth(spec);
    if (width !== undefined) out.push({ name, width });
  });
  walk(arch.layers, '');
  return out;
}

export interface DeriveOptions {
  /**
   * Sparsity of the derived network: dense by default (neuron/filter/channel groups give a
   * physically smaller dense network); for single-weight groups the caller passes an
   * unstructured spec at the surviving weight density.
   */
  sparsity?: SparsitySpec;
}

/**
 * The narrower architecture defined by the groups that survived a grouped run: every layer
 * named in `survivors` gets width = number of surviving units (at least 1: a layer with no
 * survivor would cut the network, so one unit is kept and the caller is told through
 * `emptied`); node masks (`keepNodes`) are dropped since the layers are physically smaller.
 * Layers not named keep their width. Pure: returns a new architecture.
 */
export function deriveArchitecture(arch: Architecture, survivors: Survivors, options: DeriveOptions = {}): { architecture: Architecture; emptied: string[] } {
  const known = new Map(groupedLayers(arch).map((l) => [l.name, l.width]));
  for (const [name, kept] of Object.entries(survivors)) {
    const width = known.get(name);
    if (width === undefined) {
      throw new WgsefError(`survivors name layer "${name}", which the architecture does not have (its grouped layers are ${[...known.keys()].join(', ') || 'none'}); the evaluator and the strategy disagree on layer names`);
    }
    const seen = new Set<number>();
    for (const j of kept) {
      if (!Number.isInteger(j) || j < 0 || j >= width) throw new WgsefError(`survivors of layer "${name}": index ${j} is outside 0..${width - 1}`);
      if (seen.has(j)) throw new WgsefError(`survivors of layer "${name}": index ${j} is listed twice`);
      seen.add(j);
    }
  }
  const emptied: string[] = [];
  const narrow = (layers: readonly LayerSpec[], prefix: string): LayerSpec[] => layers.map((spec, i) => {
    const name = layerName(spec, i, prefix);
    if (spec.type === 'sum') return { ...spec, branches: spec.branches.map((b, j) => narrow(b, `${name}.b${j}.`)) };
    const kept = survivors[name];
    if (kept === undefined || groupedWidth(spec) === undefined) return structuredClone(spec);
    if (kept.length === 0) emptied.push(name);
    const width = Math.max(1, kept.length);
    // Pin the (local) name so the derived layer keeps its identity in per-layer statistics.
    const { keepNodes: _dropped, ...rest } = spec as LayerSpec & { keepNodes?: number[] };
    const local = layerName(spec, i);
    if (spec.type === 'dense') return { ...rest, type: 'dense', units: width, name: local } as LayerSpec;
    return { ...rest, filters: width, name: local } as LayerSpec;
  });
  const architecture: Architecture = {
    ...structuredClone(arch),
    layers: narrow(arch.layers, ''),
    sparsity: structuredClone(options.sparsity ?? DENSE_SPARSITY),
  };
  return { architecture, emptied };
}
