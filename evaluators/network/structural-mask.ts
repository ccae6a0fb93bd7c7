/**
 * The fixed mask of a node mask (`keepNodes`) for one kernel: zeros on every weight into a
 * removed output node and out of a removed input node, ones elsewhere. The builder multiplies
 * it into the kernel's sparse mask and re-applies it after every sparse-method step, so a
 * removed node stays removed whatever the method does (RigL may grow anywhere else).
 *
 * `shape` ends with [inputs, outputs] ([in, out] dense, [kh, kw, in, out] conv). For a
 * depthwise kernel [kh, kw, channels, multiplier] output node r is (r / multiplier, r % multiplier).
 * Returns undefined when nothing is removed.
 */
export function structuralMask(shape: readonly number[], removedIn: readonly number[], removedOut: readonly number[],
  depthwise = false): Float32Array | undefined {
  if (!removedIn.length && !removedOut.length) return undefined;
  const inputs = shape[shape.length - 2]!, outputs = shape[shape.length - 1]!;
  const pair = new Float32Array(inputs * outputs).fill(1);
  for (const i of removedIn) pair.fill(0, i * outputs, (i + 1) * outputs);
  for (const r of removedOut) {
    if (depthwise) pair[Math.floor(r / outputs) * outputs + (r % outputs)] = 0;
    else for (let i = 0; i < inputs; i++) pair[i * outputs + r] = 0;
  }
  // [in, out] are the innermost axes, so the full mask repeats the pair mask per kernel tap.
  const taps = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  const full = new Float32Array(taps * pair.length);
  for (let t = 0; t < taps; t++) full.set(pair, t * pair.length);
  return full;
}
