// Inference for the reproductions: exact Student t distribution (regularized incomplete beta),
// paired t-tests, TOST equivalence and non-inferiority, Holm correction, a paired trend test and
// the minimal detectable effect of a paired design. Pure functions, no dependencies.

/** Significance level used by every verdict. */
export const ALPHA = 0.05;
/** Power the minimal detectable effect is stated at. */
export const POWER = 0.8;

// ---------------------------------------------------------------- special functions

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; ~1e-15 relative). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  x -= 1;
  let a = 0.99999999999980993;
  const t = x + 7.5;
  for (let i = 0; i < LANCZOS.length; i++) a += LANCZOS[i]! / (x + i + 1);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const TINY = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c; if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c; if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`incompleteBeta: a and b must be positive, got ${a}, ${b}`);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` > 0 degrees of freedom (any real df). */
export function tCdf(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`tCdf: df must be positive, got ${df}`);
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  if (Number.isNaN(t)) return NaN;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (exact to ~1e-12, by bisection on the CDF). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile: p must be in (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0, hi = 1;
  while (tCdf(hi, df) < p) { lo = hi; hi *= 2; if (hi > 1e12) return Infinity; }
  for (let i = 0; i < 200 && hi - lo > 1e-13 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

// ---------------------------------------------------------------- descriptive

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Sample standard deviation (n − 1); NaN below two values. */
export function sampleSd(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

// ---------------------------------------------------------------- tests

/** A one-sample (paired-difference) t summary. */
export interface TSummary {
  n: number;
  mean: number;
  sd: number;
  se: number;
  df: number;
  /** NaN when untestable (n < 2 or zero variance). */
  t: number;
  /** Two-sided p; NaN when untestable. */
  p: number;
  /** Two-sided 95% interval of the mean; [NaN, NaN] when untestable. */
  ci95: [number, number];
  /** Two-sided 90% interval (the TOST interval at 5%). */
  ci90: [number, number];
  /** Why no test ran: n < 2, or every difference equal (zero variance). */
  untestable?: 'n < 2' | 'zero variance';
}

/** Zero variance below this relative size counts as exactly zero (floating-point noise). */
const ZERO_SD = 1e-12;

/**
 * Paired t-test on differences `d` against `mu0` (default 0). A zero-variance sample is never
 * significant by itself: its t, p and intervals are NaN and `untestable` says why.
 */
export function pairedT(d: readonly number[], mu0 = 0): TSummary {
  const n = d.length, m = mean(d), sd = sampleSd(d), df = n - 1;
  const se = sd / Math.sqrt(n);
  const nan: [number, number] = [NaN, NaN];
  if (n < 2) return { n, mean: m, sd, se, df, t: NaN, p: NaN, ci95: nan, ci90: nan, untestable: 'n < 2' };
  if (!(sd > ZERO_SD * Math.max(1, Math.abs(m)))) return { n, mean: m, sd: 0, se: 0, df, t: NaN, p: NaN, ci95: nan, ci90: nan, untestable: 'zero variance' };
  const t = (m - mu0) / se;
  const p = Math.min(1, 2 * tCdf(-Math.abs(t), df));
  const h95 = tQuantile(0.975, df) * se, h90 = tQuantile(0.95, df) * se;
  return { n, mean: m, sd, se, df, t, p, ci95: [m - h95, m + h95], ci90: [m - h90, m + h90] };
}

/** One-sided p of H0: mean ≤ bound against H1: mean > bound (NaN when untestable). */
export function pGreater(s: TSummary, bound: number): number {
  return s.untestable ? NaN : 1 - tCdf((s.mean - bound) / s.se, s.df);
}

/** One-sided p of H0: mean ≥ bound against H1: mean < bound (NaN when untestable). */
export function pLess(s: TSummary, bound: number): number {
  return s.untestable ? NaN : tCdf((s.mean - bound) / s.se, s.df);
}

/**
 * TOST equivalence within ±margin: p = max of the two one-sided p values; equivalent at 5%
 * exactly when the 90% interval lies inside (−margin, +margin).
 */
export function tost(d: readonly number[], margin: number): { summary: TSummary; p: number; equivalent: boolean } {
  const s = pairedT(d);
  const p = s.untestable ? NaN : Math.max(pGreater(s, -margin), pLess(s, margin));
  return { summary: s, p, equivalent: p < ALPHA };
}

/** Holm step-down adjusted p values (same order as given; NaN entries stay NaN and are not counted). */
export function holm(ps: readonly number[]): number[] {
  const idx = ps.map((p, i) => [p, i] as const).filter(([p]) => Number.isFinite(p)).sort((a, b) => a[0] - b[0]);
  const m = idx.length;
  const out = ps.map(() => NaN);
  let running = 0;
  idx.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

/**
 * Paired trend test over ordered levels: per replicate, the least-squares slope of its values
 * against the level; then a one-sample t-test of the slopes (H0: mean slope 0). `rows[r][j]` is
 * replicate r's value at `levels[j]`; replicates with any missing value are dropped.
 */
export function pairedTrend(levels: readonly number[], rows: readonly (readonly number[])[]): TSummary & { slopes: number[] } {
  const mx = mean(levels);
  const sxx = levels.reduce((a, x) => a + (x - mx) ** 2, 0);
  const slopes = rows.filter((r) => r.length === levels.length && r.every(Number.isFinite)).map((r) => {
    const my = mean(r);
    return levels.reduce((a, x, j) => a + (x - mx) * (r[j]! - my), 0) / sxx;
  });
  return { ...pairedT(slopes), slopes };
}

/** Regularized lower incomplete gamma P(a, x) (series below a + 1, continued fraction above). */
export function incompleteGamma(a: number, x: number): number {
  if (x <= 0) return 0;
  const lnFront = a * Math.log(x) - x - lnGamma(a);
  if (x < a + 1) {
    let sum = 1 / a, term = sum;
    for (let n = 1; n < 10000; n++) { term *= x / (a + n); sum += term; if (Math.abs(term) < Math.abs(sum) * 1e-16) break; }
    return sum * Math.exp(lnFront);
  }
  const TINY = 1e-300;
  let b = x + 1 - a, c = 1 / TINY, d = 1 / b, h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b; if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c; if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return 1 - Math.exp(lnFront) * h;
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  const p = 0.5 * incompleteGamma(0.5, (x * x) / 2);
  return x >= 0 ? 0.5 + p : 0.5 - p;
}

/**
 * P(T ≤ c) for the noncentral t with `df` degrees of freedom and noncentrality `ncp`:
 * ∫ Φ(c·s − ncp) f(s) ds over s = √(V/df), V ~ χ²(df) (Simpson's rule, 4000 intervals).
 */
export function noncentralTCdf(c: number, df: number, ncp: number): number {
  const hi = 1 + 12 / Math.sqrt(df) + 6;
  const steps = 4000, h = hi / steps;
  const lnNorm = Math.log(2 * df) - (df / 2) * Math.log(2) - lnGamma(df / 2);
  const f = (s: number) => {
    if (s <= 0) return df === 1 ? Math.exp(lnNorm) * normalCdf(-ncp) : 0;
    const v = df * s * s;
    return Math.exp(lnNorm + Math.log(s) + (df / 2 - 1) * Math.log(v) - v / 2) * normalCdf(c * s - ncp);
  };
  let sum = f(0) + f(hi);
  for (let i = 1; i < steps; i++) sum += (i % 2 ? 4 : 2) * f(i * h);
  return Math.min(1, Math.max(0, (sum * h) / 3));
}

/**
 * Power of a two-sided t-test at `alpha` with `df` degrees of freedom and noncentrality `ncp`,
 * counting the rejection tail in the effect's direction only (as R's power.t.test does by default).
 */
export function tTestPower(ncp: number, df: number, alpha = ALPHA): number {
  return 1 - noncentralTCdf(tQuantile(1 - alpha / 2, df), df, Math.abs(ncp));
}

/**
 * Minimal detectable effect of a paired design: the true mean difference a two-sided paired
 * t-test at `alpha` detects with probability `power`, given the differences' sd and n
 * (noncentral t, solved by bisection; ≈ (t_{1−α/2} + t_{power})·sd/√n). NaN below n = 2 or for an unknown sd.
 */
export function minimalDetectableEffect(sd: number, n: number, alpha = ALPHA, power = POWER): number {
  if (n < 2 || !(sd > 0) || !Number.isFinite(sd)) return NaN;
  const df = n - 1;
  let lo = 0, hi = 2 * (tQuantile(1 - alpha / 2, df) + tQuantile(power, df)) + 1;
  while (tTestPower(hi, df, alpha) < power) hi *= 2;
  for (let i = 0; i < 60; i++) { const mid = (lo + hi) / 2; if (tTestPower(mid, df, alpha) < power) lo = mid; else hi = mid; }
  return ((lo + hi) / 2) * sd / Math.sqrt(n);
}

/**
 * Smallest equivalence margin a TOST at `alpha` establishes with probability `power` when the true
 * difference is 0 (central-t approximation): (t_{1−α, n−1} + t_{(1+power)/2, n−1}) · sd / √n.
 */
export function minimalEquivalenceMargin(sd: number, n: number, alpha = ALPHA, power = POWER): number {
  if (n < 2 || !(sd > 0) || !Number.isFinite(sd)) return NaN;
  return (tQuantile(1 - alpha, n - 1) + tQuantile((1 + power) / 2, n - 1)) * sd / Math.sqrt(n);
}

/** Replicates a paired two-sided t-test needs to detect `effect` given the differences' sd (smallest n ≥ 2, capped at 1000). */
export function replicatesFor(effect: number, sd: number, alpha = ALPHA, power = POWER): number {
  for (let n = 2; n <= 1000; n++) if (minimalDetectableEffect(sd, n, alpha, power) <= Math.abs(effect)) return n;
  return Infinity;
}

// ---------------------------------------------------------------- verdicts

export type ClaimVerdict = 'held' | 'did not hold' | 'inconclusive at this n';

/** One test of a family, with its Holm-adjusted p. */
export interface FamilyTest {
  label: string;
  summary: TSummary;
  /** Unadjusted p of the test that would support the claim. */
  pFor: number;
  /** Unadjusted p of the test that would refute it. */
  pAgainst: number;
  pForAdjusted: number;
  pAgainstAdjusted: number;
  verdict: ClaimVerdict;
}

export type ClaimKind =
  /** No difference: held only by equivalence (TOST within ±margin); refuted by a significant difference outside the margin. */
  | { kind: 'equivalence'; margin: number }
  /** At least as good (mean > −margin): held by the one-sided test against −margin; refuted when significantly below −margin. */
  | { kind: 'non-inferiority'; margin: number }
  /** Strictly better (mean > 0) or, with direction 'less', strictly worse: held by the one-sided test; refuted by a significant opposite difference. */
  | { kind: 'superiority'; direction: 'greater' | 'less' };

/**
 * Tests a family of paired comparisons for one claim kind. Holm corrects the supporting tests
 * and the refuting tests across the family, except for equivalence, where "equivalent in every
 * cell" is an intersection–union test (each TOST at α, no correction) and only the refuting
 * difference tests are Holm-corrected.
 */
export function testFamily(kind: ClaimKind, cells: readonly { label: string; d: readonly number[] }[]): FamilyTest[] {
  const sums = cells.map((c) => pairedT(c.d));
  const pFor = sums.map((s, i) => {
    if (kind.kind === 'equivalence') return tost(cells[i]!.d, kind.margin).p;
    if (kind.kind === 'non-inferiority') return pGreater(s, -kind.margin);
    return kind.direction === 'greater' ? pGreater(s, 0) : pLess(s, 0);
  });
  const pAgainst = sums.map((s) => {
    if (kind.kind === 'equivalence') return s.p;
    if (kind.kind === 'non-inferiority') return pLess(s, -kind.margin);
    return kind.direction === 'greater' ? pLess(s, 0) : pGreater(s, 0);
  });
  const forAdj = kind.kind === 'equivalence' ? pFor.slice() : holm(pFor);
  const againstAdj = holm(pAgainst);
  return cells.map((c, i) => {
    const s = sums[i]!;
    let verdict: ClaimVerdict = 'inconclusive at this n';
    const outsideMargin = kind.kind === 'equivalence' ? !(s.ci90[0]! > -kind.margin && s.ci90[1]! < kind.margin) : true;
    if (forAdj[i]! < ALPHA) verdict = 'held';
    else if (againstAdj[i]! < ALPHA && outsideMargin) verdict = 'did not hold';
    return { label: c.label, summary: s, pFor: pFor[i]!, pAgainst: pAgainst[i]!, pForAdjusted: forAdj[i]!, pAgainstAdjusted: againstAdj[i]!, verdict };
  });
}

/** A claim over several cells: held when every cell holds, did not hold when any cell fails, else inconclusive. */
export function allCells(vs: readonly ClaimVerdict[]): ClaimVerdict {
  if (!vs.length) return 'inconclusive at this n';
  if (vs.some((v) => v === 'did not hold')) return 'did not hold';
  return vs.every((v) => v === 'held') ? 'held' : 'inconclusive at this n';
}

// ---------------------------------------------------------------- formatting

const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
const signed = (x: number, digits = 2) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(digits)}` : '—');

/** p formatted for a table: `0.012`, `< 0.001`, `—`. */
export function fmtP(p: number): string {
  if (!Number.isFinite(p)) return '—';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/**
 * A paired difference in scaled units (`scale` 100 for accuracy → pp), e.g.
 * `+0.45 pp, 95% CI [−0.10, +1.00], t(11) = 1.80, p = 0.099, sd 0.80, n = 12`.
 */
export function describeSummary(s: TSummary, unit = 'pp', scale = 100): string {
  if (s.n === 0) return 'no paired replicates';
  const u = unit ? ` ${unit}` : '';
  if (s.untestable) return `${signed(s.mean * scale)}${u}, n = ${s.n}; no test (${s.untestable === 'zero variance' ? 'every difference equal: zero variance' : 'n < 2'})`;
  return `${signed(s.mean * scale)}${u}, 95% CI [${signed(s.ci95[0] * scale)}, ${signed(s.ci95[1] * scale)}], t(${s.df}) = ${f2(s.t)}, p = ${fmtP(s.p)}, sd ${f2(s.sd * scale)}, n = ${s.n}`;
}
