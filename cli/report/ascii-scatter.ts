/**
 * A text scatter plot for Markdown reports (inside a code block): `*` marks Pareto points,
 * `o` the others; x on a log10 axis. Only our own characters are drawn, never user text,
 * so the code block cannot be broken out of.
 */
export function asciiScatter(points: readonly { x: number; y: number; front: boolean }[], opts: { width?: number; height?: number; xLabel: string; yLabel: string; xFormat: (v: number) => string }): string {
  const width = opts.width ?? 60;
  const height = opts.height ?? 14;
  const pts = points.filter((p) => p.x > 0 && Number.isFinite(p.x) && Number.isFinite(p.y));
  if (!pts.length) return '(no points)';
  const lx = pts.map((p) => Math.log10(p.x));
  const [x0, x1] = span(lx);
  const [y0, y1] = span(pts.map((p) => p.y));
  const grid = Array.from({ length: height }, () => Array.from({ length: width }, () => ' '));
  pts.forEach((p, i) => {
    const c = Math.round(((lx[i]! - x0) / (x1 - x0)) * (width - 1));
    const r = height - 1 - Math.round(((p.y - y0) / (y1 - y0)) * (height - 1));
    // A Pareto point wins a shared cell.
    if (grid[r]![c] !== '*') grid[r]![c] = p.front ? '*' : 'o';
  });
  const yw = Math.max(y1.toFixed(3).length, y0.toFixed(3).length);
  const lines = grid.map((row, r) => {
    const label = r === 0 ? y1.toFixed(3) : r === height - 1 ? y0.toFixed(3) : '';
    return `${label.padStart(yw)} │${row.join('').trimEnd()}`;
  });
  const left = opts.xFormat(10 ** x0);
  const right = opts.xFormat(10 ** x1);
  lines.push(`${' '.repeat(yw)} └${'─'.repeat(width)}`);
  lines.push(`${' '.repeat(yw + 2)}${left}${right.padStart(width - left.length)}`);
  lines.push(`${' '.repeat(yw + 2)}x: ${opts.xLabel} (log) · y: ${opts.yLabel} · * Pareto front · o other trials`);
  return lines.join('\n');
}

function span(v: number[]): [number, number] {
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}
