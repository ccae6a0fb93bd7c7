import { layerDescriptor, type Activation, type LayerCommon, type Architecture, type DescribeContext, type LayerSpec, type SparsitySpec } from '../../search/index.js';

/**
 * One-line summary of an architecture for terminals, tables and reports, e.g.
 * `mlp 512-256 relu · 90% rigl` or `cnn c32k3-mp2-c64k3s2 relu · 2:4 srste`.
 * Layer tokens: dense = units (kept/total under a node mask), `cNkK[sS][dD]` conv,
 * `dwK` depthwise, `sepNkK` separable, `mpK`/`apK` pools, `gap`, `bn`, `do0.5`,
 * `sum(a|b)` parallel branches. One shared activation is written once at the end.
 */
export function describeArchitecture(arch: Architecture | null | undefined, measuredSparsity?: number): string {
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
  return `${parts.join(' ')} · ${describeMaskedSparsity(arch, measuredSparsity)}`;
}

/**
 * The sparsity part of a label, from the masks the architecture really has and, once trained,
 * the measured sparsity (1 − nonzeros / params, `metrics.sparsity`):
 * `90% rigl`, `56% rigl (54% measured)`, `node mask 54%` (a node-masked or WGSEF-derived
 * network whose global level is 0 is not dense), `dense` only when nothing is masked.
 */
export function describeMaskedSparsity(arch: Architecture, measured?: number): string {
  const s = arch.sparsity;
  const m = measured !== undefined && Number.isFinite(measured) ? measured : undefined;
  const nodeMasked = hasNodeMask(arch.layers);
  const perLayer = hasLayerSparsity(arch.layers);
  const nominalDense = !s || (s.level === 0 && s.kind !== 'n:m');
  if (nominalDense && !perLayer) {
    if (nodeMasked) return m !== undefined && m > 0.0005 ? `node mask ${formatPercent(m)}` : 'node mask';
    if (m !== undefined && m > 0.005) return `${formatPercent(m)} measured`;
    return 'dense';
  }
  const spec = nominalDense ? `${s?.method ?? 'static'} per-layer` : describeSparsity(s);
  // The target is of the sparsifiable layers; the measured value counts every weight, so say both when they differ.
  if (m !== undefined && s && s.kind !== 'n:m' && Math.abs(m - s.level) >= 0.005) return `${spec} (${formatPercent(m)} measured)`;
  return spec;
}

function hasNodeMask(layers: readonly LayerSpec[]): boolean {
  return layers.some((l) => (Array.isArray((l as LayerCommon).keepNodes) && (l as LayerCommon).keepNodes!.length > 0)
    || (layerDescriptor(l).nested?.(l as never) ?? []).some((chain) => hasNodeMask(chain)));
}

function hasLayerSparsity(layers: readonly LayerSpec[]): boolean {
  return layers.some((l) => (typeof (l as LayerCommon).sparsity === 'number' && (l as LayerCommon).sparsity! > 0)
    || (layerDescriptor(l).nested?.(l as never) ?? []).some((chain) => hasLayerSparsity(chain)));
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

export function formatPercent(level: number): string {
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
