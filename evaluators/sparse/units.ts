import type { PruneUnit } from './resolve-spec.js';

/**
 * The granularity masks are decided at: single weights (unstructured) or whole groups along
 * one axis (output units = neurons of a dense layer / filters of a conv; input channels).
 * Group masks zero entire slices, so sparsity is counted in groups and converted back to weights.
 */
export interface UnitLayout {
  /** Number of units in the tensor. */
  readonly count: number;
  /** Weights per unit. */
  readonly size: number;
  /** Unit of each flat (row-major) weight position. */
  readonly unitOf: Int32Array;
}

export function unitLayout(shape: readonly number[], axis: number | null): UnitLayout {
  const total = shape.reduce((a, b) => a * b, 1);
  const unitOf = new Int32Array(total);
  if (axis === null) {
    for (let i = 0; i < total; i++) unitOf[i] = i;
    return { count: total, size: 1, unitOf };
  }
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
    throw new RangeError(`group axis ${axis} is outside a tensor of shape [${shape.join(', ')}]`);
  }
  const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const len = shape[axis]!;
  for (let i = 0; i < total; i++) unitOf[i] = Math.floor(i / stride) % len;
  return { count: len, size: total / len, unitOf };
}

/** Which axis a prune unit groups along, given the layer's input/output axes. */
export function unitAxis(unit: PruneUnit, inputAxis: number, outputAxis: number): number | null {
  return unit === 'weight' ? null : unit === 'input' ? inputAxis : outputAxis;
}

/** Unit scores: |w| for single weights, the L2 norm of the group otherwise (largest-norm groups are kept). */
export function unitScores(values: ArrayLike<number>, layout: UnitLayout): Float64Array {
  const s = new Float64Array(layout.count);
  if (layout.size === 1) {
    for (let i = 0; i < values.length; i++) s[i] = Math.abs(values[i]!);
    return s;
  }
  for (let i = 0; i < values.length; i++) s[layout.unitOf[i]!] += values[i]! * values[i]!;
  for (let u = 0; u < s.length; u++) s[u] = Math.sqrt(s[u]!);
  return s;
}

/** 1 for a unit with any active weight. */
export function unitActivity(mask: ArrayLike<number>, layout: UnitLayout): Uint8Array {
  const a = new Uint8Array(layout.count);
  if (layout.size === 1) {
    for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) a[i] = 1;
    return a;
  }
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) a[layout.unitOf[i]!] = 1;
  return a;
}

/** Element mask (float 0/1) from per-unit activity. */
export function expandUnits(activity: ArrayLike<number>, layout: UnitLayout): Float32Array {
  const out = new Float32Array(layout.unitOf.length);
  if (layout.size === 1) {
    for (let i = 0; i < out.length; i++) out[i] = activity[i] ? 1 : 0;
    return out;
  }
  for (let i = 0; i < out.length; i++) out[i] = activity[layout.unitOf[i]!] ? 1 : 0;
  return out;
}
