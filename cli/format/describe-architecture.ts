import { layerDescriptor, type Activation, type Architecture, type DescribeContext, type LayerSpec, type SparsitySpec } from '../../search/index.js';

/**
 * One-line summary of an architecture for terminals, tables and reports, e.g.
 * `mlp 512-256 relu · 90% rigl` or `cnn c32k3-mp2-c64k3s2 relu · 2:4 srste`.
 * Layer tokens: dense = units (kept/total under a node mask), `cNkK[sS][dD]` conv,
 * `dwK` depthwise, `sepNkK` separable, `mpK`/`apK` pools, `gap`, `bn`, `do0.5`,
 * `sum(a|b)` parallel branches. One shared activation is written once at the end.
 */
export function describeArchitecture(arch: Architecture | null | undefined): string {
  if (!arch) return '(no architecture)';
  const activations = new Set<Activation>();
  collectActivations(arch.layers, activations);
  const shared = activations.size === 1 ? [...activations][0]! : undefined;
  const layers = arch.layers.map((l) => layerToken(l, shared === undefined)).filter(Boolean).join('-');
  const parts = [arch.family];
  if (layers) parts.push(layers);
  if (shared && shared !== 'linear') parts.push(shared);
  const transform = arch.meta?.['transform'] ?? arch.meta?.['family'];
  if (typeof transform === 'string') parts.push(`[${transform}]`);
  return `${parts.join(' ')} · ${describeSparsity(arch.sparsity)}`;
}

/** `dense`, `90% rigl`, `2:4 srste`, `75% group(filter) static`, with `erk` when not uniform. */
export function describeSparsity(s: SparsitySpec | undefined): string {
  if (!s || (s.level === 0 && s.kind !== 'n:m')) return 'dense';
  let what: string;
  if (s.kind === 'n:m') what = `${s.n ?? '?'}:${s.m ?? '?'}`;
  else if (s.kind === 'group') what = `${formatPercent(s.level)} group(${s.group ?? 'neuron'})`;
  else what = formatPercent(s.level);
  const extra = s.distribution === 'erk' ? ' erk' : '';
  return `${what} ${s.method}${extra}`;
}

function formatPercent(level: number): string {
  return `${Number((level * 100).toFixed(1))}%`;
}

function collectActivations(layers: readonly LayerSpec[], into: Set<Activation>): void {
  for (const l of layers) {
    for (const chain of layerDescriptor(l).nested?.(l as never) ?? []) collectActivations(chain, into);
    if ('activation' in l && l.activation && l.type !== 'activation') into.add(l.activation);
  }
}

/** The layer's token, from its descriptor in the layer registry. */
function layerToken(l: LayerSpec, perLayerActivation: boolean): string {
  const ctx: DescribeContext = {
    activation: (x) => (perLayerActivation && 'activation' in x && x.activation && x.type !== 'activation' ? `:${x.activation}` : ''),
    chain: (layers) => layers.map((x) => layerToken(x, perLayerActivation)).filter(Boolean).join('-'),
  };
  return layerDescriptor(l).describe(l, ctx);
}
