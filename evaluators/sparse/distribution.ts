import { SparsitySpecError } from './errors.js';

/** What the distribution needs to know about one sparsifiable kernel. */
export interface LayerBudget {
  readonly name: string;
  readonly shape: readonly number[];
  readonly role: 'first' | 'hidden' | 'classifier';
  readonly sparsityOverride?: number;
}

export interface DistributionOptions {
  readonly level: number;
  readonly distribution: 'uniform' | 'erk';
  readonly keepFirstDense?: boolean;
  readonly keepLastDense?: boolean;
}

/**
 * Per-layer final sparsities. Precedence, most specific first:
 * 1. `sparsityOverride` (a per-layer setting in the architecture) is used as is;
 * 2. `keepFirstDense` / `keepLastDense` make roles `first` / `classifier` dense (0);
 * 3. every other layer is "sparsifiable" and shares the global `level`:
 *    - uniform: each layer at `level`;
 *    - ERK (Evci et al. 2020, §3 and `sparse_utils.get_sparsities_erdos_renyi` in the RigL
 *      code): density_l = ε·(Σ dims_l)/(Π dims_l), ε solved so the sparsifiable layers hold
 *      exactly round(level·N) zeros; a layer whose density would exceed 1 becomes dense and ε is
 *      re-solved over the rest (RigL makes the largest-ratio layer dense, one per round).
 *      Overridden and kept-dense layers are outside this budget, as RigL's custom_sparsity_map.
 * ERK zero counts are apportioned by largest remainder, so the global count is exact and each
 * returned sparsity is zeros_l / n_l (round(s·n) gives back the integer count).
 */
export function layerSparsities(layers: readonly LayerBudget[], opts: DistributionOptions): number[] {
  const out = new Array<number>(layers.length).fill(0);
  const free: number[] = [];
  layers.forEach((l, i) => {
    if (l.sparsityOverride !== undefined) {
      const s = l.sparsityOverride;
      if (!Number.isFinite(s) || s < 0 || s >= 1) {
        throw new SparsitySpecError(`${l.name}.sparsity`, `layer ${l.name}: sparsity override must be in [0, 1), got ${s}; 0 keeps the layer dense`);
      }
      out[i] = s;
    } else if ((opts.keepFirstDense && l.role === 'first') || (opts.keepLastDense && l.role === 'classifier')) {
      out[i] = 0;
    } else {
      free.push(i);
    }
  });
  if (opts.level === 0 || free.length === 0) return out;
  if (opts.distribution === 'uniform') {
    for (const i of free) out[i] = opts.level;
    return out;
  }
  const sizes = free.map((i) => count(layers[i]!.shape));
  const densities = erkDensities(free.map((i) => layers[i]!.shape), sizes, opts.level);
  const zeros = apportion(sizes.map((n, j) => n * (1 - densities[j]!)), sizes, Math.round(opts.level * sum(sizes)));
  free.forEach((i, j) => { out[i] = zeros[j]! / sizes[j]!; });
  return out;
}

/** ERK densities (real-valued) for the given shapes at global sparsity `level`. */
export function erkDensities(shapes: readonly (readonly number[])[], sizes: readonly number[], level: number): number[] {
  const raw = shapes.map((s) => sum(s) / count(s));
  const dense = new Set<number>();
  const targetOnes = (1 - level) * sum(sizes);
  for (;;) {
    let onesDense = 0;
    let divisor = 0;
    raw.forEach((p, j) => {
      if (dense.has(j)) onesDense += sizes[j]!;
      else divisor += p * sizes[j]!;
    });
    if (divisor === 0) return raw.map(() => 1);
    const eps = (targetOnes - onesDense) / divisor;
    let maxRaw = -Infinity;
    raw.forEach((p, j) => { if (!dense.has(j)) maxRaw = Math.max(maxRaw, p); });
    if (eps * maxRaw <= 1) return raw.map((p, j) => (dense.has(j) ? 1 : Math.max(0, eps * p)));
    raw.forEach((p, j) => { if (!dense.has(j) && p === maxRaw) dense.add(j); });
  }
}

/** Integer counts close to `real` (each ≤ its cap) summing to `total`: floor, then largest remainders. */
function apportion(real: readonly number[], caps: readonly number[], total: number): number[] {
  const base = real.map((r, j) => Math.min(caps[j]!, Math.max(0, Math.floor(r + 1e-9))));
  let left = total - sum(base);
  const order = real.map((_, j) => j).sort((a, b) => (real[b]! - base[b]!) - (real[a]! - base[a]!));
  for (let pass = 0; left > 0 && pass < 2; pass++) {
    for (const j of order) {
      if (left === 0) break;
      if (base[j]! < caps[j]! && (pass === 1 || real[j]! - base[j]! > 0)) { base[j] = base[j]! + 1; left--; }
    }
  }
  for (const j of order.slice().reverse()) {
    while (left < 0 && base[j]! > 0) { base[j] = base[j]! - 1; left++; }
  }
  return base;
}

function count(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
