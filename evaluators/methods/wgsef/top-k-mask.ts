import { checkK } from './errors.js';

/**
 * The final projection of WGSEF [choice]: keep the k groups with the largest weighted norm
 * u_j = w_j·a_j (ties broken by the lower index, so the mask is deterministic), zero the rest.
 * Groups that are already zero are never kept, so fewer than k may survive. Returns 1 = keep.
 */
export function topKGroupMask(norms: ArrayLike<number>, k: number, weights?: ArrayLike<number>): Uint8Array {
  checkK(k, 'topKGroupMask');
  const m = norms.length;
  const u = Float64Array.from({ length: m }, (_, j) => (weights ? weights[j]! : 1) * norms[j]!);
  const order = Uint32Array.from({ length: m }, (_, j) => j).sort((i, j) => u[j]! - u[i]! || i - j);
  const mask = new Uint8Array(m);
  for (let i = 0; i < Math.min(k, m); i++) {
    const j = order[i]!;
    if (u[j]! > 0) mask[j] = 1;
  }
  return mask;
}

/** Indices of the kept groups of a mask, ascending. */
export function maskIndices(mask: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let j = 0; j < mask.length; j++) if (mask[j]) out.push(j);
  return out;
}
