import { SparsenasError } from '../../search/index.js';
import type { Activation, Architecture, Conv2DLayer, DenseLayer, LayerSpec } from '../../search/index.js';
import { countArchitecture } from '../../spaces/index.js';

/**
 * Sparse Iso-FLOP Transformations (Thangarasa et al., ICML 2024, §3): drop-in replacements
 * of a dense or conv layer with the same theoretical FLOPs as the dense layer at sparsity s.
 * `b = round(1/(1 − s))`. The first weighted layer and the classifier are not sparsified.
 */
export type SparseIftFamily = 'wide' | 'parallel' | 'factorized' | 'doped';
export const SPARSE_IFT_FAMILIES: readonly SparseIftFamily[] = ['wide', 'parallel', 'factorized', 'doped'];

export interface TransformOptions {
  /** Shape of one input sample and number of classes (FLOPs depend on them). */
  inputShape: number[];
  classes: number;
  /** Add a batch norm inside each parallel branch and between factorized U and V (the paper's default for CNNs). */
  norm?: boolean;
  /**
   * Keep the first weighted layer dense and untransformed (default true, as the paper does for
   * CNNs, whose stem is tiny). In an MLP on images the first layer holds most FLOPs: a dense,
   * widened first layer alone exceeds the budget of Sparse Wide, so transform it too (false).
   */
  keepFirstDense?: boolean;
}

export const branches = (s: number) => Math.round(1 / (1 - s));

/** Factorized inner width: d = ceil(k²·Cin·Cout / ((1 − s)(k²·Cin + Cout))); dense: k = 1. */
export function factorizedWidth(k: number, cin: number, cout: number, s: number): number {
  // 1 − 0.9 is 0.09999999999999998 in binary: absorb that before rounding, or 576 becomes 577.
  return Math.ceil((k * k * cin * cout) / ((1 - s) * (k * k * cin + cout)) - 1e-9);
}

/** Doped low rank: r = floor(s·k²·Cin·Cout / (k²·Cin + Cout)). */
export function dopedRank(k: number, cin: number, cout: number, s: number): number {
  return Math.floor((s * k * k * cin * cout) / (k * k * cin + cout) + 1e-9);
}

type Weighted = DenseLayer | Conv2DLayer;

/** Apply a transform to every sparsifiable dense/conv layer of `arch`. */
export function applySparseIft(arch: Architecture, family: SparseIftFamily, s: number, o: TransformOptions): Architecture {
  if (!(s > 0 && s < 1)) throw new SparsenasError('SPARSE_IFT_LEVEL', `Sparse-IFT sparsity must be in (0, 1), got ${s}`);
  if (arch.layers.some((l) => l.type === 'sum')) throw new SparsenasError('SPARSE_IFT_NESTED', 'Sparse-IFT applies to a plain architecture, not one already transformed (it has sum layers)');
  if (arch.layers.some((l) => l.type === 'cells')) throw new SparsenasError('SPARSE_IFT_NESTED', 'Sparse-IFT transforms the dense and conv2d layers of a plain network (the mlp or cnn space), not DARTS cells');
  const base: Architecture = {
    ...structuredClone(arch),
    sparsity: { ...arch.sparsity, level: s, kind: 'unstructured', keepFirstDense: o.keepFirstDense ?? true, keepLastDense: true, distribution: 'uniform' },
    meta: { ...(arch.meta ?? {}), transform: family, transformSparsity: s },
  };
  const inputs = inputChannels(arch, o);
  const firstIndex = o.keepFirstDense === false ? -1 : arch.layers.findIndex(isWeighted);
  if (family === 'wide') return widen(base, s, firstIndex, o);
  const layers: LayerSpec[] = [];
  arch.layers.forEach((l, i) => {
    if (i === firstIndex || !(l.type === 'dense' || l.type === 'conv2d')) {
      // Depthwise/separable layers are not transformed; keep them dense so FLOPs stay matched.
      layers.push(isWeighted(l) && i !== firstIndex ? ({ ...l, sparsity: 0 } as LayerSpec) : l);
      return;
    }
    const cin = inputs[i]!;
    if (family === 'parallel') layers.push(parallel(l, s, o.norm));
    else if (family === 'factorized') layers.push(...factorized(l, cin, s, o.norm));
    else layers.push(doped(l, cin, s));
  });
  return { ...base, layers };
}

function parallel(l: Weighted, s: number, norm?: boolean): LayerSpec {
  const b = branches(s);
  const act = l.activation ?? 'linear';
  return {
    type: 'sum', name: l.name, activation: act,
    // The branches are summed, so one bias is the whole bias: the others would be b − 1 redundant
    // vectors (and b − 1 extra additions per output). With a norm per branch its β is the bias.
    branches: Array.from({ length: b }, (_, j) => [
      { ...l, name: `${l.name ?? l.type}.p${j}`, activation: 'linear' as Activation, sparsity: s, ...(norm || j > 0 ? { useBias: false } : {}) },
      ...(norm ? [{ type: 'batchNorm' as const }] : []),
    ]),
  };
}

function factorized(l: Weighted, cin: number, s: number, norm?: boolean): LayerSpec[] {
  const mid: LayerSpec[] = norm ? [{ type: 'batchNorm' }, { type: 'activation', activation: 'relu' }] : [];
  const name = l.name ?? l.type;
  if (l.type === 'dense') {
    const d = factorizedWidth(1, cin, l.units, s);
    return [{ ...l, name: `${name}.U`, units: d, activation: 'linear', sparsity: s }, ...mid, { ...l, name: `${name}.V`, sparsity: s }];
  }
  const d = factorizedWidth(l.kernel, cin, l.filters, s);
  return [
    { ...l, name: `${name}.U`, filters: d, activation: 'linear', sparsity: s },
    ...mid,
    { type: 'conv2d', name: `${name}.V`, filters: l.filters, kernel: 1, padding: 'same', activation: l.activation, sparsity: s },
  ];
}

function doped(l: Weighted, cin: number, s: number): LayerSpec {
  const name = l.name ?? l.type;
  const act = l.activation ?? 'linear';
  const sparse: LayerSpec = { ...l, name: `${name}.sparse`, activation: 'linear', sparsity: s };
  if (l.type === 'dense') {
    const r = dopedRank(1, cin, l.units, s);
    return { type: 'sum', name, activation: act, branches: [[
      { type: 'dense', name: `${name}.U`, units: r, activation: 'linear', useBias: false, sparsity: 0 },
      { type: 'dense', name: `${name}.V`, units: l.units, activation: 'linear', useBias: false, sparsity: 0 },
    ], [sparse]] };
  }
  const r = dopedRank(l.kernel, cin, l.filters, s);
  return { type: 'sum', name, activation: act, branches: [[
    { type: 'conv2d', name: `${name}.U`, filters: r, kernel: l.kernel, stride: l.stride, padding: l.padding, dilation: l.dilation, activation: 'linear', useBias: false, sparsity: 0 },
    { type: 'conv2d', name: `${name}.V`, filters: l.filters, kernel: 1, padding: 'same', activation: 'linear', useBias: false, sparsity: 0 },
  ], [sparse]] };
}

/**
 * Sparse Wide: every hidden width × sqrt(b); the first layer and the classifier stay dense
 * but grow with their neighbours, so the sparse layers' sparsity is binary-searched until the
 * network's sparse FLOPs equal the dense base's (relative tolerance 1e-3), as the authors do.
 */
function widen(base: Architecture, s: number, firstIndex: number, o: TransformOptions): Architecture {
  const scale = Math.sqrt(branches(s));
  const target = countArchitecture({ ...base, sparsity: { ...base.sparsity, level: 0 } }, o.inputShape, o.classes).denseFlops;
  const wideLayers = base.layers.map((l) => {
    if (l.type === 'dense') return { ...l, units: Math.round(l.units * scale) };
    if (l.type === 'conv2d' || l.type === 'separableConv2d') return { ...l, filters: Math.round(l.filters * scale) };
    return l;
  });
  const at = (level: number): Architecture => ({
    ...base,
    sparsity: { ...base.sparsity, level },
    layers: wideLayers.map((l, i) => (isWeighted(l) && i !== firstIndex ? { ...l, sparsity: level } : l)),
  });
  const flops = (level: number) => countArchitecture(at(level), o.inputShape, o.classes).sparseFlops;
  if (flops(0.999) > target) {
    throw new SparsenasError('SPARSE_IFT_WIDE', `Sparse Wide at s=${s}: the dense first layer and classifier alone exceed the base FLOPs; set keepFirstDense: false (the first layer then becomes sparse too), or use a lower sparsity`);
  }
  let lo = 0;
  let hi = 0.999;
  for (let it = 0; it < 60 && hi - lo > 1e-9; it++) {
    const mid = (lo + hi) / 2;
    if (flops(mid) > target) lo = mid;
    else hi = mid;
  }
  const level = Math.abs(flops(hi) - target) / target <= 1e-3 ? hi : lo;
  const out = at(level);
  return { ...out, meta: { ...(out.meta ?? {}), widthScale: scale, solvedSparsity: level } };
}

function isWeighted(l: LayerSpec): boolean {
  return l.type === 'dense' || l.type === 'conv2d' || l.type === 'depthwiseConv2d' || l.type === 'separableConv2d';
}

/** Input channels (features for dense) seen by each top-level layer. */
function inputChannels(arch: Architecture, o: TransformOptions): number[] {
  const { layerInputs } = countArchitecture({ ...arch, sparsity: { ...arch.sparsity, level: 0 } }, o.inputShape, o.classes);
  return arch.layers.map((l, i) => {
    const shape = layerInputs[i]!;
    return l.type === 'dense' ? shape.reduce((a, b) => a * b, 1) : shape[shape.length - 1]!;
  });
}
