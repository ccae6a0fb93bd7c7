import { checkK, checkStep, checkWeights, WgsefMethodError } from './errors.js';
import { sortedAbsDescending } from './k-support.js';

/**
 * The one exact solver behind every WGSEF prox. Given non-negative centres a_j, it solves
 *
 *   min_{n ≥ 0}  Σ_j (c_j/2)·(n_j − a_j)²  +  (τ/2)·(‖w ⊙ n‖^{sp}_k)²
 *
 * with group weights w_j > 0 and curvatures c_j > 0 (both default 1).
 *
 * Derivation [derived here; checked by brute force in test/evaluators/methods/wgsef]. The squared
 * k-support norm is the box-norm with box [0, 1] and budget k (McDonald, Pontil & Stamos
 * 2016, "New perspectives on k-support and cluster norms", eq. (2)):
 *   (‖p‖^{sp}_k)² = inf { Σ_j p_j²/θ_j : 0 < θ_j ≤ 1, Σ_j θ_j ≤ k }.
 * Minimising jointly over n and θ, for fixed θ each n_j solves a scalar quadratic:
 *   n_j = a_j·θ_j/(θ_j + ρ_j),  ρ_j = τ·w_j²/c_j,
 * leaving the convex problem  min_θ Σ_j ½·a_j²·τ·w_j²/(θ_j + ρ_j)  over the same set. Its KKT
 * conditions give θ_j + ρ_j ∝ a_j·w_j on the free coordinates, i.e. for one scalar s > 0
 *   θ_j(s) = clip(b_j·s − ρ_j, 0, 1),  b_j = a_j·w_j,   with Σ_j θ_j(s) = k.
 * Σ_j θ_j(s) is continuous, piecewise linear and non-decreasing in s (breakpoints
 * s = ρ_j/b_j where group j enters, s = (1+ρ_j)/b_j where it saturates), so s is found
 * exactly by sorting the breakpoints and locating the piece where it crosses k. If at most k centres are
 * non-zero the budget is slack and θ_j = 1 (a plain per-group shrink n_j = a_j/(1+ρ_j)).
 *
 * With w ≡ 1, c ≡ 1 this is the prox of (τ/2)(‖·‖^{sp}_k)² and coincides with the (r, l)
 * formula of Argyriou, Foygel & Srebro (2012, Alg. 1): groups with θ_j = 1 are the head
 * (q = β/(β+1)·z, β = 1/τ), 0 < θ_j < 1 the middle block (q = z − T/(l−k+(β+1)r+β+1), the
 * threshold being τ/s), θ_j = 0 the zeroed tail; r = k−1−#head, l = #head + #middle.
 *
 * Complexity: O(m log m). With uniform ρ (uniform w and c) both breakpoint lists follow the
 * order of b: one sort of b, then one O(m) merge-scan of the two lists. Otherwise: one sort
 * of the 2m breakpoint values, a binary search over them with O(m) evaluations of Σθ
 * (O(m log m)), and an exact solve on the final linear piece.
 */
export interface EnvelopeProxOptions {
  weights?: ArrayLike<number>;
  curvature?: ArrayLike<number>;
}

export interface EnvelopeProxResult {
  /** The solution n (same order as the centres). */
  n: Float64Array;
  /** The box-norm variables θ_j ∈ [0, 1]: 1 = head (fully penalised), 0 = zeroed. */
  theta: Float64Array;
  /** The scalar s of θ_j = clip(b_j·s − ρ_j, 0, 1); +∞ when the budget k is slack. */
  s: number;
}

export function solveEnvelopeProx(a: ArrayLike<number>, k: number, tau: number, options: EnvelopeProxOptions = {}): EnvelopeProxResult {
  const where = 'solveEnvelopeProx';
  checkK(k, where);
  checkStep(tau, where);
  const m = a.length;
  checkWeights(options.weights, m, where);
  if (options.curvature !== undefined) checkWeights(options.curvature, m, `${where} (curvature)`);
  const w = options.weights;
  const c = options.curvature;
  const b = new Float64Array(m);
  const rho = new Float64Array(m);
  let nonZero = 0;
  let uniformRho = true;
  for (let j = 0; j < m; j++) {
    const aj = a[j]!;
    if (!(aj >= 0) || !Number.isFinite(aj)) throw new WgsefMethodError(`${where}: centre ${j} must be a finite number ≥ 0 (a group norm), got ${aj}`);
    const wj = w ? w[j]! : 1;
    b[j] = aj * wj;
    rho[j] = (tau * wj * wj) / (c ? c[j]! : 1);
    if (b[j]! > 0) nonZero++;
    if (rho[j] !== rho[0]) uniformRho = false;
  }
  const theta = new Float64Array(m);
  const n = new Float64Array(m);
  if (tau === 0) {
    for (let j = 0; j < m; j++) { n[j] = a[j]!; theta[j] = b[j]! > 0 ? 1 : 0; }
    return { n, theta, s: Infinity };
  }
  const s = nonZero <= k ? Infinity : (uniformRho ? solveUniform(b, rho[0]!, k) : solveGeneral(b, rho, k));
  for (let j = 0; j < m; j++) {
    if (b[j] === 0) continue;
    const t = s === Infinity ? 1 : Math.min(1, Math.max(0, b[j]! * s - rho[j]!));
    theta[j] = t;
    n[j] = t === 0 ? 0 : (a[j]! * t) / (t + rho[j]!);
  }
  return { n, theta, s };
}

/**
 * Breakpoint lists in ascending s: `key` the breakpoint, `slope` b_j, `rho` ρ_j.
 * Scanning both lists in merged order keeps Σθ(s) = slope·s + offset exact on each segment.
 */
interface Events { key: Float64Array; slope: Float64Array; rho: Float64Array }

function solveUniform(b: Float64Array, rho: number, k: number): number {
  const z = sortedAbsDescending(b);
  let count = 0;
  while (count < z.length && z[count]! > 0) count++;
  const enter: Events = { key: new Float64Array(count), slope: z.subarray(0, count), rho: new Float64Array(count).fill(rho) };
  const sat: Events = { key: new Float64Array(count), slope: enter.slope, rho: enter.rho };
  for (let i = 0; i < count; i++) {
    enter.key[i] = rho / z[i]!;
    sat.key[i] = (1 + rho) / z[i]!;
  }
  return scan(enter, sat, k);
}

/**
 * Non-uniform ρ: sort the 2m breakpoint values only (native typed-array sort, no payload),
 * binary-search them with O(m) evaluations of Σθ(s), then solve the linear piece exactly.
 * O(m log m) overall; a comparator sort of indices was ~10× slower at m = 10^6.
 */
function solveGeneral(b: Float64Array, rho: Float64Array, k: number): number {
  const m = b.length;
  const keys = new Float64Array(2 * m);
  let count = 0;
  for (let j = 0; j < m; j++) {
    if (b[j]! > 0) { keys[count++] = rho[j]! / b[j]!; keys[count++] = (1 + rho[j]!) / b[j]!; }
  }
  const sorted = keys.subarray(0, count).sort();
  const sumTheta = (s: number): number => {
    let sum = 0;
    for (let j = 0; j < m; j++) if (b[j]! > 0) sum += Math.min(1, Math.max(0, b[j]! * s - rho[j]!));
    return sum;
  };
  // Σθ is 0 at the first breakpoint and > k at the last (more than k groups saturate there).
  let lo = 0;
  let hi = count - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (sumTheta(sorted[mid]!) >= k) hi = mid; else lo = mid;
  }
  const left = sorted[lo]!;
  const right = sorted[hi]!;
  // On (left, right) membership is constant: read it at the midpoint, solve slope·s + offset = k.
  // A flat piece (exactly k saturated, none in the middle) is returned at its midpoint, away
  // from both breakpoints, so rounding cannot revive the next group.
  const probe = (left + right) / 2;
  let slope = 0;
  let offset = 0;
  for (let j = 0; j < m; j++) {
    if (!(b[j]! > 0)) continue;
    const t = b[j]! * probe - rho[j]!;
    if (t >= 1) offset += 1;
    else if (t > 0) { slope += b[j]!; offset -= rho[j]!; }
  }
  return slope > 0 ? Math.min(right, Math.max(left, (k - offset) / slope)) : probe;
}

/** Finds s with Σ_j clip(b_j·s − ρ_j, 0, 1) = k; requires more than k positive b_j. */
function scan(enter: Events, sat: Events, k: number): number {
  let slope = 0; // Σ b_j over the middle block
  let offset = 0; // #saturated − Σ ρ_j over the middle block
  let middle = 0;
  let saturated = 0;
  let prev = 0;
  let i = 0;
  let q = 0;
  const total = enter.key.length;
  while (q < total) {
    const takeEnter = i < total && enter.key[i]! <= sat.key[q]!;
    const next = takeEnter ? enter.key[i]! : sat.key[q]!;
    // Σθ at the next breakpoint, before its event, is still on the current linear segment.
    if (middle > 0 && slope * next + offset >= k) return Math.min(next, Math.max(prev, (k - offset) / slope));
    if (takeEnter) {
      slope += enter.slope[i]!;
      offset -= enter.rho[i]!;
      middle++;
      i++;
    } else {
      slope -= sat.slope[q]!;
      offset += 1 + sat.rho[q]!;
      middle--;
      saturated++;
      q++;
    }
    // Re-anchor when the middle block empties, so rounding does not accumulate.
    if (middle === 0) { slope = 0; offset = saturated; }
    // Exactly k saturated and nothing in the middle: Σθ = k on the whole flat segment up to
    // the next entry; its midpoint keeps rounding from reviving the next group.
    if (middle === 0 && saturated >= k) return i < total ? (next + enter.key[i]!) / 2 : next;
    prev = next;
  }
  throw new WgsefMethodError('solveEnvelopeProx: the breakpoint scan did not reach k (more than k non-zero groups were expected); this is a bug');
}
