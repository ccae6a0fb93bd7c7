// Independent reference solvers for the WGSEF tests. None of them uses the closed forms or the
// breakpoint scan under test: they minimise the variational definitions numerically.
import type { Rng } from '../../../../search/index.js';

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** Minimises a convex function of one variable on [lo, hi] by golden-section search. */
export function goldenSection(phi: (x: number) => number, lo: number, hi: number, iterations = 90): number {
  let a = lo;
  let b = hi;
  let c = b - GOLDEN * (b - a);
  let d = a + GOLDEN * (b - a);
  let fc = phi(c);
  let fd = phi(d);
  for (let i = 0; i < iterations; i++) {
    if (fc <= fd) { b = d; d = c; fd = fc; c = b - GOLDEN * (b - a); fc = phi(c); } else { a = c; c = d; fc = fd; d = a + GOLDEN * (b - a); fd = phi(d); }
  }
  return (a + b) / 2;
}

/**
 * min Σ_j f(j, θ_j) over {θ ∈ [0,1]^m, Σθ = k} (k < m), f convex in θ: pairwise exchanges
 * (SMO) with an exact line search; for a separable convex objective with one coupling
 * constraint, pairwise optimality is global optimality.
 */
export function smoMinimize(f: (j: number, t: number) => number, m: number, k: number, sweeps = 400): Float64Array {
  const theta = new Float64Array(m).fill(k / m);
  for (let s = 0; s < sweeps; s++) {
    let moved = 0;
    for (let i = 0; i < m; i++) {
      for (let j = i + 1; j < m; j++) {
        const t = theta[i]! + theta[j]!;
        const lo = Math.max(0, t - 1);
        const hi = Math.min(1, t);
        const x = goldenSection((x) => f(i, x) + f(j, t - x), lo, hi);
        moved = Math.max(moved, Math.abs(x - theta[i]!));
        theta[i] = x;
        theta[j] = t - x;
      }
    }
    if (moved < 1e-14) break;
  }
  return theta;
}

/** (‖u‖^{sp}_k)² = inf { Σ u_j²/θ_j : θ ∈ (0,1]^m, Σθ ≤ k } (McDonald, Pontil & Stamos 2016). */
export function ksupportSquaredVariational(u: ArrayLike<number>, k: number): number {
  const m = u.length;
  if (k >= m) return Array.from(u).reduce((s, x) => s + x * x, 0);
  const f = (j: number, t: number): number => (u[j] === 0 ? 0 : (u[j]! * u[j]!) / Math.max(t, 1e-300));
  const theta = smoMinimize(f, m, k);
  let s = 0;
  for (let j = 0; j < m; j++) s += f(j, theta[j]!);
  return s;
}

/**
 * prox of (λ/2)(‖·‖^{sp}_k)² at v from the same variational form: for fixed θ the minimiser
 * in q is v_j·θ_j/(θ_j + λ) and the value left is Σ ½v_j²·λ/(θ_j + λ), smooth and convex in θ.
 */
export function proxVariational(v: ArrayLike<number>, k: number, lambda: number): Float64Array {
  const m = v.length;
  const theta = k >= m ? new Float64Array(m).fill(1) : smoMinimize((j, t) => (0.5 * v[j]! * v[j]! * lambda) / (t + lambda), m, k);
  return Float64Array.from({ length: m }, (_, j) => (v[j]! * theta[j]!) / (theta[j]! + lambda));
}

/**
 * The (r, l) formula of algorithms.md / Argyriou et al. 2012, implemented literally by
 * enumerating every (r, l) pair; returns every pair whose conditions hold and its q.
 */
export function docFormulaProx(v: ArrayLike<number>, k: number, lambda: number): { r: number; l: number; q: Float64Array }[] {
  const m = v.length;
  const beta = 1 / lambda;
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => Math.abs(v[b]!) - Math.abs(v[a]!));
  const z = [Infinity, ...order.map((i) => Math.abs(v[i]!)), -Infinity]; // 1-based, z_0 = +∞, z_{m+1} = −∞
  const found: { r: number; l: number; q: Float64Array }[] = [];
  for (let r = 0; r <= k - 1; r++) {
    for (let l = k; l <= m; l++) {
      let T = 0;
      for (let i = k - r; i <= l; i++) T += z[i]!;
      const t = T / (l - k + (beta + 1) * r + beta + 1);
      const ok = z[k - r - 1]! / (beta + 1) > t && t >= z[k - r]! / (beta + 1) && z[l]! > t && t >= z[l + 1]!;
      if (!ok) continue;
      const sorted = z.slice(1, m + 1).map((zi, i0) => {
        const i = i0 + 1;
        return i <= k - r - 1 ? (beta / (beta + 1)) * zi : i <= l ? zi - t : 0;
      });
      const q = new Float64Array(m);
      order.forEach((orig, i) => { q[orig] = Math.sign(v[orig]!) * sorted[i]!; });
      found.push({ r, l, q });
    }
  }
  return found;
}

/**
 * Generic derivative-free minimiser for small, possibly non-smooth convex functions: random
 * directions with an adaptive step (a (1+1) evolution strategy), several restarts, best kept.
 */
export function randomSearchMinimize(F: (x: Float64Array) => number, x0: Float64Array, rng: Rng, iterations = 20000, restarts = 3): Float64Array {
  let best = Float64Array.from(x0);
  let fBest = F(best);
  for (let r = 0; r < restarts; r++) {
    const x = Float64Array.from(r === 0 ? x0 : best, (xi) => xi + (r === 0 ? 0 : 0.1 * rng.normal()));
    let fx = F(x);
    let step = 0.5;
    const trial = new Float64Array(x.length);
    for (let it = 0; it < iterations && step > 1e-13; it++) {
      let norm = 0;
      for (let i = 0; i < x.length; i++) { trial[i] = rng.normal(); norm += trial[i]! * trial[i]!; }
      norm = Math.sqrt(norm);
      for (let i = 0; i < x.length; i++) trial[i] = x[i]! + (step * trial[i]!) / norm;
      const ft = F(trial);
      if (ft < fx) { x.set(trial); fx = ft; step *= 1.5; } else step *= 0.93;
      // Also try snapping coordinates to exactly zero: the minimisers sit on kinks (zeroed groups).
      if (it % 50 === 0) {
        for (let i = 0; i < x.length; i++) {
          if (Math.abs(x[i]!) < 10 * step) { const keep = x[i]!; x[i] = 0; const f0 = F(x); if (f0 <= fx) fx = f0; else x[i] = keep; }
        }
      }
    }
    if (fx < fBest) { fBest = fx; best = Float64Array.from(x); }
  }
  return best;
}

export function randomVector(rng: Rng, m: number, zeroProbability = 0): Float64Array {
  return Float64Array.from({ length: m }, () => (rng.next() < zeroProbability ? 0 : rng.normal()));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}
