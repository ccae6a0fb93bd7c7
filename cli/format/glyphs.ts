/** Text drawings for the dashboard, pure so they are tested without ink. */

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * The last `width` values as block characters scaled between their min and max; a flat
 * series draws mid-height. Non-finite values are skipped.
 */
export function sparkline(values: readonly number[], width: number): string {
  const v = values.filter(Number.isFinite).slice(-Math.max(0, width));
  if (!v.length) return '';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return v.map((x) => (hi === lo ? BLOCKS[3] : BLOCKS[Math.round(((x - lo) / (hi - lo)) * (BLOCKS.length - 1))])).join('');
}

/** `█████▌░░░░` for a fraction in [0, 1], with eighth-block resolution. */
export function progressBar(fraction: number, width: number): string {
  if (width <= 0) return '';
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(f * width * 8);
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  const partial = rest ? ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][rest]! : '';
  return '█'.repeat(full) + partial + '░'.repeat(width - full - (partial ? 1 : 0));
}
