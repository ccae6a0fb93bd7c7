import { solveEnvelopeProx } from './envelope-prox.js';

/**
 * prox of (λ/2)·(‖·‖^{sp}_k)² at v:  argmin_q ½‖q − v‖² + (λ/2)(‖q‖^{sp}_k)².
 * Argyriou, Foygel & Srebro (2012, Alg. 1) with β = 1/λ; computed by the breakpoint scan of
 * `solveEnvelopeProx` on |v| (sort O(m log m), scan O(m)), then signs restored. Equivalent
 * closed form per coordinate, with t = λ/s the threshold of the middle block:
 *   q_i = sign(v_i)·(|v_i| − min(|v_i|, max(t, |v_i|/(1+λ)))),
 * i.e. v minus the prox of the conjugate (Moreau), whose penalty (1/(2λ))·Σ_{top k} y_i² is
 * the squared dual norm.
 */
export function proxSquaredKSupport(v: ArrayLike<number>, k: number, lambda: number): Float64Array {
  const a = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) a[i] = Math.abs(v[i]!);
  const { n } = solveEnvelopeProx(a, k, lambda);
  for (let i = 0; i < v.length; i++) if (v[i]! < 0) n[i] = -n[i]!;
  return n;
}
