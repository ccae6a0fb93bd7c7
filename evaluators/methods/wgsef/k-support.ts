import { checkK } from './errors.js';

/** |u| sorted in descending order (a typed-array sort: native, no comparator). */
export function sortedAbsDescending(u: ArrayLike<number>): Float64Array {
  const z = new Float64Array(u.length);
  for (let i = 0; i < u.length; i++) z[i] = Math.abs(u[i]!);
  z.sort();
  z.reverse();
  return z;
}

/**
 * The integer r of the closed form of the k-support norm, for z = |u| sorted descending
 * (Argyriou, Foygel & Srebro 2012, Prop. 2.1): the unique r ∈ {0..k−1} with
 *   z_{k−r−1} > (1/(r+1))·Σ_{i≥k−r} z_i ≥ z_{k−r}   (1-based, z_0 = +∞).
 * Writing F(r) for the right inequality, the left one for r is exactly ¬F(r+1), and F(0)
 * always holds; so r is the largest r with F(r) — which is also the robust way to find it
 * under rounding (no "no r found" case). `suffix[i]` = Σ_{j≥i} z_j (0-based), length m+1.
 */
export function ksupportR(z: Float64Array, suffix: Float64Array, k: number): number {
  let r = 0;
  // F(r+1): tail sum from 0-based index k−r−2 ≥ (r+2)·z[k−r−2]
  while (r + 1 <= k - 1 && suffix[k - r - 2]! >= (r + 2) * z[k - r - 2]!) r++;
  return r;
}

/**
 * (‖u‖^{sp}_k)², the squared k-support norm (Argyriou et al. 2012, Prop. 2.1):
 *   Σ_{i=1}^{k−r−1} z_i² + (1/(r+1))·(Σ_{i=k−r}^{m} z_i)²,  z = |u| sorted descending.
 * For k ≥ m it is ‖u‖₂². It is ≥ ‖u‖₂², with equality iff u has at most k non-zeros.
 * O(m log m) for the sort, O(m) after.
 */
export function ksupportSquared(u: ArrayLike<number>, k: number): number {
  checkK(k, 'ksupportSquared');
  const m = u.length;
  if (k >= m) {
    let s = 0;
    for (let i = 0; i < m; i++) s += u[i]! * u[i]!;
    return s;
  }
  const z = sortedAbsDescending(u);
  const suffix = suffixSums(z);
  const r = ksupportR(z, suffix, k);
  const head = k - r - 1;
  let s = 0;
  for (let i = 0; i < head; i++) s += z[i]! * z[i]!;
  const tail = suffix[head]!;
  return s + (tail * tail) / (r + 1);
}

/** Σ of the k largest squares: the square of the dual norm of the k-support norm. */
export function topKSquares(u: ArrayLike<number>, k: number): number {
  const z = sortedAbsDescending(u);
  let s = 0;
  for (let i = 0; i < Math.min(k, z.length); i++) s += z[i]! * z[i]!;
  return s;
}

export function suffixSums(z: Float64Array): Float64Array {
  const out = new Float64Array(z.length + 1);
  for (let i = z.length - 1; i >= 0; i--) out[i] = out[i + 1]! + z[i]!;
  return out;
}
