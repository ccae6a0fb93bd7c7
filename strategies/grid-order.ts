/**
 * The order a grid visits its points in. Both orders are pure functions of the position, so a
 * snapshot that stores the position resumes exactly (the visited set is rebuilt by replaying).
 *
 * - `lexicographic`: mixed radix, the last axis fastest (the grid's order before `spread`; a
 *   small budget only ever varies the last dimensions).
 * - `spread` (default): positions 0..total-1 follow Roberts' R_d low-discrepancy sequence (axis j
 *   takes frac(position · α_j), α_j = φ_d^-(j+1), φ_d the root of x^(d+1) = x + 1, scaled to its
 *   values; d counts the axes with more than one value): a Kronecker sequence per axis, so any
 *   prefix covers every dimension coarsely (the three-gap theorem) and, unlike a Halton sequence,
 *   the twentieth axis varies as early as the first; positions total..2·total-1 then sweep the
 *   grid lexicographically, so every point is still reached (points already visited are skipped
 *   by the caller).
 */
export type GridOrder = 'spread' | 'lexicographic';
export const GRID_ORDERS: readonly GridOrder[] = ['spread', 'lexicographic'];

/** The value index on each axis (radices `sizes`) of the point at `position`; undefined past the end. */
export function gridPoint(order: GridOrder, sizes: readonly number[], position: number): number[] | undefined {
  const total = sizes.reduce((n, s) => n * s, 1);
  if (order === 'lexicographic') return position < total ? mixedRadix(sizes, position) : undefined;
  if (position >= 2 * total) return undefined;
  if (position >= total) return mixedRadix(sizes, position - total);
  const alphas = robertsAlphas(sizes.filter((n) => n > 1).length);
  let axis = 0;
  return sizes.map((n) => {
    if (n <= 1) return 0;
    const a = alphas[axis++]!;
    // frac(position · α) without losing the fraction to a large product: position = hi·2^20 + lo.
    const hi = Math.floor(position / 2 ** 20);
    const lo = position - hi * 2 ** 20;
    const x = frac(frac(hi * frac(a * 2 ** 20)) + frac(lo * a));
    return Math.min(n - 1, Math.floor(x * n));
  });
}

const frac = (x: number) => x - Math.floor(x);

/** α_j = φ_d^-(j+1) for j < d, φ_d the positive root of x^(d+1) = x + 1 (Newton's method from 2). */
export function robertsAlphas(d: number): number[] {
  let phi = 2;
  for (let k = 0; k < 64; k++) phi -= (phi ** (d + 1) - phi - 1) / ((d + 1) * phi ** d - 1);
  return Array.from({ length: d }, (_, j) => frac(phi ** -(j + 1)));
}

/** Positions a grid of these radices has in this order (the end of the enumeration). */
export function gridPositions(order: GridOrder, sizes: readonly number[]): number {
  const total = sizes.reduce((n, s) => n * s, 1);
  return order === 'lexicographic' ? total : 2 * total;
}

function mixedRadix(sizes: readonly number[], position: number): number[] {
  const out = new Array<number>(sizes.length);
  let rest = position;
  for (let i = sizes.length - 1; i >= 0; i--) {
    out[i] = rest % sizes[i]!;
    rest = Math.floor(rest / sizes[i]!);
  }
  return out;
}

