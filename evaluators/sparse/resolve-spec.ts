import type { SparsitySpec } from '../../search/index.js';
import { SparsitySpecError } from './errors.js';

/**
 * Defaults for the optional `SparsitySpec` fields, each from the method's paper or released code:
 * - srsteLambda 2e-4: SR-STE λ_w (Zhou et al. 2021, ICLR; `decay` of the released `Sparse` autograd function).
 * - updateEvery 100, dropFraction 0.3, updateEndFraction 0.75: RigL's ΔT, α and T_end (Evci et al. 2020, §4.1).
 * - gmpStart 0, gmpEnd 0.75, gmpInitial 0, gmpEvery 100: GMP t0, t_end (fractions of the run),
 *   s_i and Δt (Zhu & Gupta 2017, eq. 1; Δt = 100 as in their experiments). Starting at 0 still
 *   trains dense for the first Δt steps, because the first pruning step after t0 = 0 is t = Δt.
 */
export const SPARSE_DEFAULTS = {
  srsteLambda: 2e-4,
  updateEvery: 100,
  dropFraction: 0.3,
  updateEndFraction: 0.75,
  gmpStart: 0,
  gmpEnd: 0.75,
  gmpInitial: 0,
  gmpEvery: 100,
} as const;

/** Topology updates (RigL/SET) or pruning steps (GMP) a run gets at least, when ΔT is not set. */
export const MIN_UPDATES = 10;

/**
 * Fit the schedule to the run [choice]: the papers' ΔT = 100 assumes tens of thousands of
 * steps. A NAS trial of one epoch on 8,000 samples has 64 steps, so with ΔT = 100 RigL would
 * never move and GMP never prune. When the spec leaves ΔT unset, it becomes
 * min(100, ⌊window / MIN_UPDATES⌋) (at least 1), so every run gets about MIN_UPDATES updates
 * within its update window; an explicit ΔT is always kept.
 */
export function fitScheduleToRun(r: ResolvedSparsity, totalSteps: number): ResolvedSparsity {
  const fit = (window: number) => Math.max(1, Math.min(100, Math.floor(window / MIN_UPDATES)));
  return {
    ...r,
    updateEvery: r.spec.updateEvery ?? fit(r.updateEndFraction * totalSteps),
    gmpEvery: r.spec.gmpEvery ?? fit((r.gmpEnd - r.gmpStart) * totalSteps),
  };
}

/** Largest allowed global sparsity (the config schema's bound). */
export const MAX_LEVEL = 0.98;

/** What the pruned unit is: single weights, output units (neurons/filters) or input channels. */
export type PruneUnit = 'weight' | 'output' | 'input';

/** A validated spec with every default filled in. */
export interface ResolvedSparsity {
  readonly spec: SparsitySpec;
  readonly level: number;
  readonly unit: PruneUnit;
  readonly n: number;
  readonly m: number;
  readonly srsteLambda: number;
  readonly updateEvery: number;
  readonly dropFraction: number;
  readonly updateEndFraction: number;
  readonly gmpStart: number;
  readonly gmpEnd: number;
  readonly gmpInitial: number;
  readonly gmpEvery: number;
}

const METHODS_BY_KIND: Record<SparsitySpec['kind'], readonly SparsitySpec['method'][]> = {
  unstructured: ['static', 'gmp', 'rigl', 'set'],
  'n:m': ['srste', 'static'],
  group: ['static', 'gmp'],
};

/** Validate `spec` and fill in defaults. Throws `SparsitySpecError` naming the field and the fix. */
export function resolveSparsity(spec: SparsitySpec): ResolvedSparsity {
  const allowed = METHODS_BY_KIND[spec.kind];
  if (!allowed) {
    throw new SparsitySpecError('sparsity.kind', `sparsity.kind "${spec.kind}" is unknown; use one of ${Object.keys(METHODS_BY_KIND).join(', ')}`);
  }
  if (!allowed.includes(spec.method)) {
    throw new SparsitySpecError('sparsity.method', `sparsity.method "${spec.method}" cannot train kind "${spec.kind}"; use one of ${allowed.join(', ')}` +
      (spec.method === 'srste' ? ' (srste needs kind "n:m" with n and m)' : '') +
      (spec.kind === 'n:m' ? ' (a fixed N:M pattern has no free topology for rigl/set/gmp to move)' : ''));
  }
  checkRange('sparsity.level', spec.level, 0, MAX_LEVEL);
  let n = 0;
  let m = 0;
  if (spec.kind === 'n:m') {
    if (spec.n === undefined || spec.m === undefined) {
      throw new SparsitySpecError(spec.n === undefined ? 'sparsity.n' : 'sparsity.m', 'sparsity kind "n:m" needs both sparsity.n and sparsity.m, e.g. n: 2, m: 4');
    }
    n = spec.n;
    m = spec.m;
    checkInteger('sparsity.m', m, 2);
    checkInteger('sparsity.n', n, 1);
    if (n >= m) {
      throw new SparsitySpecError('sparsity.n', `sparsity.n must be smaller than sparsity.m (keep n of every m weights), got ${n}:${m}; for a dense network use level 0`);
    }
  }
  let unit: PruneUnit = 'weight';
  if (spec.kind === 'group') {
    const g = spec.group ?? 'neuron';
    unit = g === 'channel' ? 'input' : g === 'weight' ? 'weight' : 'output';
  }
  const r: ResolvedSparsity = {
    spec,
    level: spec.kind === 'n:m' ? 1 - n / m : spec.level,
    unit,
    n,
    m,
    srsteLambda: spec.srsteLambda ?? SPARSE_DEFAULTS.srsteLambda,
    updateEvery: spec.updateEvery ?? SPARSE_DEFAULTS.updateEvery,
    dropFraction: spec.dropFraction ?? SPARSE_DEFAULTS.dropFraction,
    updateEndFraction: spec.updateEndFraction ?? SPARSE_DEFAULTS.updateEndFraction,
    gmpStart: spec.gmpStart ?? SPARSE_DEFAULTS.gmpStart,
    gmpEnd: spec.gmpEnd ?? SPARSE_DEFAULTS.gmpEnd,
    gmpInitial: spec.gmpInitial ?? SPARSE_DEFAULTS.gmpInitial,
    gmpEvery: spec.gmpEvery ?? SPARSE_DEFAULTS.gmpEvery,
  };
  if (!(r.srsteLambda >= 0) || !Number.isFinite(r.srsteLambda)) {
    throw new SparsitySpecError('sparsity.srsteLambda', `sparsity.srsteLambda must be a finite number ≥ 0 (0 = plain STE), got ${r.srsteLambda}`);
  }
  checkInteger('sparsity.updateEvery', r.updateEvery, 1);
  checkInteger('sparsity.gmpEvery', r.gmpEvery, 1);
  checkRange('sparsity.dropFraction', r.dropFraction, 0, 1);
  checkRange('sparsity.updateEndFraction', r.updateEndFraction, 0, 1);
  checkRange('sparsity.gmpStart', r.gmpStart, 0, 1);
  checkRange('sparsity.gmpEnd', r.gmpEnd, 0, 1);
  if (r.gmpEnd <= r.gmpStart) {
    throw new SparsitySpecError('sparsity.gmpEnd', `sparsity.gmpEnd (${r.gmpEnd}) must be after sparsity.gmpStart (${r.gmpStart}); both are fractions of the run`);
  }
  checkRange('sparsity.gmpInitial', r.gmpInitial, 0, spec.level);
  return r;
}

function checkRange(field: string, value: number, lo: number, hi: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < lo || value > hi) {
    throw new SparsitySpecError(field, `${field} must be a number in [${lo}, ${hi}], got ${String(value)}`);
  }
}

function checkInteger(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new SparsitySpecError(field, `${field} must be an integer ≥ ${min}, got ${String(value)}`);
  }
}
