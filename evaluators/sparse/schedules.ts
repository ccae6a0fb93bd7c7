/**
 * Step schedules of the dynamic methods, as pure functions of the 1-based optimiser step `t`
 * and the run length `T`, so tests can check them against the papers' formulas.
 */

export interface GmpSchedule {
  /** First and last pruning step (t0 = round(gmpStart·T), t_end = round(gmpEnd·T)). */
  readonly t0: number;
  readonly tEnd: number;
  /** Δt: steps between pruning steps. */
  readonly every: number;
  /** s_i and s_f of Zhu & Gupta 2017, eq. 1. */
  readonly initial: number;
  readonly final: number;
}

export function gmpSchedule(totalSteps: number, start: number, end: number, every: number, initial: number, final: number): GmpSchedule {
  const t0 = Math.round(start * totalSteps);
  return { t0, tEnd: Math.max(t0, Math.round(end * totalSteps)), every, initial, final };
}

/**
 * Zhu & Gupta 2017, eq. 1: s_t = s_f + (s_i − s_f)(1 − p)^3, p = clip((t − t0)/(t_end − t0), 0, 1).
 */
export function gmpSparsityAt(t: number, s: GmpSchedule): number {
  const span = s.tEnd - s.t0;
  const p = span <= 0 ? (t >= s.tEnd ? 1 : 0) : Math.min(1, Math.max(0, (t - s.t0) / span));
  return s.final + (s.initial - s.final) * (1 - p) ** 3;
}

/**
 * Pruning steps: t0 ≤ t ≤ t_end and (t − t0) mod Δt = 0 (Zhu & Gupta 2017, §3; TF model_pruning's
 * `pruning_frequency`). Choice: t_end itself is always a pruning step, so the final sparsity is
 * reached even when t_end − t0 is not a multiple of Δt (short NAS trials).
 */
export function isGmpStep(t: number, s: GmpSchedule): boolean {
  if (t < s.t0 || t > s.tEnd) return false;
  return (t - s.t0) % s.every === 0 || t === s.tEnd;
}

/** RigL/SET topology updates: every ΔT steps while t < t_end = round(updateEndFraction·T) (Evci et al. 2020, Alg. 1). */
export function dynamicEndStep(totalSteps: number, endFraction: number): number {
  return Math.round(endFraction * totalSteps);
}

export function isTopologyUpdateStep(t: number, every: number, tEnd: number): boolean {
  return t > 0 && t < tEnd && t % every === 0;
}

/**
 * Cosine-annealed drop fraction f_t = α/2·(1 + cos(π·t/t_end)) (Evci et al. 2020, eq. 1; the
 * RigL code's `drop_fraction_anneal='cosine'`, TF cosine_decay with decay_steps = t_end).
 */
export function dropFractionAt(t: number, initial: number, tEnd: number): number {
  if (tEnd <= 0) return 0;
  return initial * (0.5 + 0.5 * Math.cos((Math.PI * Math.min(t, tEnd)) / tEnd));
}
