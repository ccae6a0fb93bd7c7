/** Axis scales and tick positions for the report's server-side SVG charts. */

export interface Scale {
  (value: number): number;
  ticks: number[];
  domain: [number, number];
}

/**
 * Linear scale over [lo, hi] (padded to "nice" tick bounds) onto [r0, r1]. `integer`: whole-number
 * ticks only (epochs, counts), so an axis of 1–2 epochs shows 1 and 2, not 1.2, 1.4, …
 */
export function linearScale(values: readonly number[], r0: number, r1: number, opts: { clamp?: [number, number]; count?: number; integer?: boolean } = {}): Scale {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) { lo = 0; hi = 1; }
  if (lo === hi) { const pad = opts.integer ? 1 : Math.abs(lo) * 0.05 || 0.5; lo -= pad; hi += pad; }
  const raw = niceStep((hi - lo) / (opts.count ?? 5));
  const step = opts.integer ? Math.max(1, Math.round(raw)) : raw;
  lo = Number((Math.floor(lo / step) * step).toPrecision(12));
  hi = Number((Math.ceil(hi / step) * step).toPrecision(12));
  if (opts.clamp) { lo = Math.max(lo, opts.clamp[0]); hi = Math.min(hi, opts.clamp[1]); }
  const ticks: number[] = [];
  for (let t = lo; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  const s = ((v: number) => r0 + ((v - lo) / (hi - lo)) * (r1 - r0)) as Scale;
  s.ticks = ticks;
  s.domain = [lo, hi];
  return s;
}

/** Log10 scale from the decade below the smallest to the decade above the largest positive value. */
export function logScale(values: readonly number[], r0: number, r1: number): Scale {
  const pos = values.filter((v) => v > 0 && Number.isFinite(v));
  let lo = Math.floor(Math.log10(pos.length ? Math.min(...pos) : 1));
  let hi = Math.ceil(Math.log10(pos.length ? Math.max(...pos) : 10));
  if (lo === hi) { lo -= 1; hi += 1; }
  const ticks: number[] = [];
  const decades = hi - lo;
  for (let d = lo; d <= hi; d++) {
    ticks.push(10 ** d);
    // With few decades, 2× and 5× marks keep the axis readable.
    if (decades <= 2 && d < hi) ticks.push(2 * 10 ** d, 5 * 10 ** d);
  }
  const s = ((v: number) => r0 + ((Math.log10(v) - lo) / (hi - lo)) * (r1 - r0)) as Scale;
  s.ticks = ticks.sort((a, b) => a - b);
  s.domain = [10 ** lo, 10 ** hi];
  return s;
}

function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** Round to 0.1 px so the SVG stays small and diffs stay stable. */
export function px(v: number): string {
  return String(Math.round(v * 10) / 10);
}
