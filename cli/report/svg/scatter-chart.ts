import { escapeHtml } from '../escape-html.js';
import { chartFrame, CHART, seriesColors, type ChartText } from './chart-frame.js';
import { linearScale, logScale, px } from './scale.js';

export interface ScatterPoint {
  x: number;
  y: number;
  /** Trial number, written as `data-trial` so the chart can be checked against the data. */
  trial: number;
  series: string;
  /** Hover text (a `<title>`; no script needed). */
  tooltip: string;
}

export interface ScatterOptions extends ChartText {
  xLog?: boolean;
  points: ScatterPoint[];
  /** Trials on the Pareto front: drawn as a step line (x ascending) and ringed points. */
  front?: number[];
}

/**
 * Scatter plot with an optional Pareto front. For "maximise y, minimise x" the front sorted by
 * x has rising y, and the boundary of the dominated region is the staircase
 * (x_i, y_i) → (x_{i+1}, y_i) → (x_{i+1}, y_{i+1}), which is what the step line draws.
 */
export function scatterChart(o: ScatterOptions): string {
  const pts = o.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!o.xLog || p.x > 0));
  const { width, height, left, right, top, bottom } = CHART;
  const x = o.xLog ? logScale(pts.map((p) => p.x), left, width - right) : linearScale(pts.map((p) => p.x), left, width - right);
  const y = linearScale(pts.map((p) => p.y), height - bottom, top);
  const colors = seriesColors(pts.map((p) => p.series));
  const front = new Set(o.front ?? []);
  const marks: string[] = [];
  const onFront = pts.filter((p) => front.has(p.trial)).sort((a, b) => a.x - b.x || a.y - b.y);
  if (onFront.length) {
    let d = `M${px(x(onFront[0]!.x))},${px(y(onFront[0]!.y))}`;
    for (const p of onFront.slice(1)) d += ` H${px(x(p.x))} V${px(y(p.y))}`;
    marks.push(`<path class="pareto-front" d="${d}" data-trials="${onFront.map((p) => p.trial).join(' ')}"/>`);
  }
  for (const p of pts) {
    marks.push(`<circle class="pt${front.has(p.trial) ? ' pareto' : ''}" cx="${px(x(p.x))}" cy="${px(y(p.y))}" r="${front.has(p.trial) ? 5 : 4}" fill="${colors.get(p.series)}" data-trial="${p.trial}"><title>${escapeHtml(p.tooltip)}</title></circle>`);
  }
  const legend = [...colors].map(([label, color]) => ({ label, color }));
  if (onFront.length) legend.push({ label: 'Pareto front', color: '#444' });
  return chartFrame({ ...o, x, y, body: marks.join('\n'), legend: legend.length > 1 ? legend : undefined });
}
