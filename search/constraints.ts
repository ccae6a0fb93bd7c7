import { z } from 'zod';
import type { Architecture } from './architecture.js';
import type { SearchSpace } from './space.js';
import type { Metrics, Sample, Trial } from './types.js';
import { countArchitecture } from './architecture-count.js';
import { SparsenasError } from './errors.js';

/**
 * Search under a budget (issue 17, "go beyond"): the most accurate network that fits a device.
 * `maxNonzeros` and `maxSparseFlops` are known before training (the analytic count of
 * `countArchitecture`, the evaluator's own accounting): random and evolution draw only
 * candidates that meet them, and a candidate another strategy proposes that violates them is
 * never trained (it is stored as pruned, `infeasible: ...`, with no metrics). `maxLatencyMs`
 * (batch-1 inference latency, `Metrics.latencyMsB1`) is known only once the trial is measured:
 * the trial completes, is marked `metrics.infeasible` and takes no part in ranking.
 */
export interface Constraints {
  /** At most this many non-zero parameters (`Metrics.nonZeros`). */
  maxNonzeros?: number;
  /** At most this many forward FLOPs per sample with the masks applied (`Metrics.sparseFlops`). */
  maxSparseFlops?: number;
  /** At most this many milliseconds per inference at batch 1 (`Metrics.latencyMsB1`, measured after training). */
  maxLatencyMs?: number;
}

export const constraintsSchema = z.strictObject({
  maxNonzeros: z.number().int().positive().optional()
    .describe('at most this many non-zero parameters; checked before training: such candidates are never trained'),
  maxSparseFlops: z.number().positive().optional()
    .describe('at most this many forward FLOPs per sample with the masks applied; checked before training'),
  maxLatencyMs: z.number().positive().optional()
    .describe('at most this many ms per inference at batch 1 (latencyMsB1), measured after training; a slower trial is marked infeasible and not ranked'),
}).describe('search under a budget: candidates that violate a constraint are not trained (or, for latency, not ranked)');

/** The prefix of a pruned trial's error that never trained because it violates the constraints. */
export const INFEASIBLE_PREFIX = 'infeasible: ';

const fmt = (n: number) => (Number.isInteger(n) ? n.toLocaleString('en-US') : String(Number(n.toPrecision(4))));

/** "nonzeros ≤ 50,000, sparse FLOPs ≤ 1,000,000, latency (batch 1) ≤ 2 ms", or '' without constraints. */
export function describeConstraints(c: Constraints | undefined): string {
  if (!c) return '';
  const parts: string[] = [];
  if (c.maxNonzeros !== undefined) parts.push(`nonzeros ≤ ${fmt(c.maxNonzeros)}`);
  if (c.maxSparseFlops !== undefined) parts.push(`sparse FLOPs ≤ ${fmt(c.maxSparseFlops)}`);
  if (c.maxLatencyMs !== undefined) parts.push(`latency (batch 1) ≤ ${fmt(c.maxLatencyMs)} ms`);
  return parts.join(', ');
}

export function hasCostConstraints(c: Constraints | undefined): boolean {
  return c !== undefined && (c.maxNonzeros !== undefined || c.maxSparseFlops !== undefined);
}

/** Costs known before training. Undefined when the architecture cannot be planned (the evaluator will say why). */
export function architectureCost(arch: Architecture, dataset: { shape: number[]; classes: number }): { nonZeros: number; sparseFlops: number } | undefined {
  try {
    const c = countArchitecture(arch, dataset.shape, dataset.classes);
    return { nonZeros: c.nonZeros, sparseFlops: c.sparseFlops };
  } catch {
    return undefined;
  }
}

/** Why costs violate the constraints (`nonzeros 120,000 > maxNonzeros 50,000`), or undefined. */
export function costViolation(cost: { nonZeros: number; sparseFlops: number }, c: Constraints | undefined): string | undefined {
  if (!c) return undefined;
  const out: string[] = [];
  if (c.maxNonzeros !== undefined && cost.nonZeros > c.maxNonzeros) out.push(`nonzeros ${fmt(cost.nonZeros)} > maxNonzeros ${fmt(c.maxNonzeros)}`);
  if (c.maxSparseFlops !== undefined && cost.sparseFlops > c.maxSparseFlops) out.push(`sparseFlops ${fmt(Math.round(cost.sparseFlops))} > maxSparseFlops ${fmt(c.maxSparseFlops)}`);
  return out.length ? out.join(', ') : undefined;
}

/** Why an architecture violates the pre-training constraints, or undefined (also when it cannot be counted). */
export function architectureViolation(arch: Architecture | null, c: Constraints | undefined, dataset: { shape: number[]; classes: number } | undefined): string | undefined {
  if (!arch || !dataset || !hasCostConstraints(c)) return undefined;
  const cost = architectureCost(arch, dataset);
  return cost && costViolation(cost, c);
}

/** Why measured metrics violate `maxLatencyMs` (`latencyMsB1 2.4 > maxLatencyMs 2`), or undefined. */
export function latencyViolation(m: Pick<Metrics, 'latencyMsB1'>, c: Constraints | undefined): string | undefined {
  if (c?.maxLatencyMs === undefined || m.latencyMsB1 === undefined || !Number.isFinite(m.latencyMsB1)) return undefined;
  return m.latencyMsB1 > c.maxLatencyMs ? `latencyMsB1 ${fmt(m.latencyMsB1)} > maxLatencyMs ${fmt(c.maxLatencyMs)}` : undefined;
}

/** Why a trial violates the study's constraints (never trained, or measured too slow), or undefined. */
export function infeasibleReason(t: Pick<Trial, 'state' | 'error' | 'metrics'>): string | undefined {
  if (t.metrics?.infeasible) return t.metrics.infeasible;
  if (t.state === 'pruned' && t.error?.startsWith(INFEASIBLE_PREFIX)) return t.error.slice(INFEASIBLE_PREFIX.length);
  return undefined;
}

/**
 * What a strategy uses to propose only feasible candidates: a check of a sample against the
 * pre-training constraints, or undefined when there are none (or the dataset shape is unknown).
 */
export function sampleChecker(space: SearchSpace, c: Constraints | undefined, dataset: { shape: number[]; classes: number } | undefined):
  ((s: Sample) => { nonZeros: number; sparseFlops: number; violation?: string } | undefined) | undefined {
  if (!dataset || !hasCostConstraints(c)) return undefined;
  return (s) => {
    let arch: Architecture;
    try {
      arch = space.freeze(s);
    } catch {
      return undefined;
    }
    const cost = architectureCost(arch, dataset);
    return cost && { ...cost, violation: costViolation(cost, c) };
  };
}

/**
 * Draws with `draw` until a sample meets the constraints (at most `maxTries`), else throws
 * CONSTRAINTS_UNSATISFIABLE naming the constraints and the smallest costs seen.
 */
export function drawFeasible(draw: () => Sample, check: ReturnType<typeof sampleChecker>, c: Constraints | undefined, spaceName: string, maxTries = 500): Sample {
  if (!check) return draw();
  let minNz = Infinity, minFlops = Infinity;
  for (let i = 0; i < maxTries; i++) {
    const s = draw();
    const r = check(s);
    if (!r || !r.violation) return s;
    minNz = Math.min(minNz, r.nonZeros);
    minFlops = Math.min(minFlops, r.sparseFlops);
  }
  throw new SparsenasError('CONSTRAINTS_UNSATISFIABLE',
    `no candidate of space "${spaceName}" meets the constraints (${describeConstraints(c)}) in ${maxTries} draws; the smallest drawn had ${fmt(minNz)} nonzeros and ${fmt(Math.round(minFlops))} sparse FLOPs. `
    + 'The constraint looks unsatisfiable in this space: raise constraints.maxNonzeros / maxSparseFlops, or offer smaller or sparser networks in space.options');
}
