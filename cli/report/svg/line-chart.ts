import { escapeHtml } from '../escape-html.js';
import { chartFrame, CHART, legendRows, PALETTE, plotTop, type ChartText } from './chart-frame.js';
import { linearScale, px } from './scale.js';

export interface LineSeries {
  trial: number;
  label: string;
  /** What the series is when it is not a trial's (an op): written as `data-series`, with its y values as `data-values`. */
  key?: string;
  points: { x: number; y: number }[];
}

export interface LineChartOptions extends ChartText {
  series: LineSeries[];
  /** Whole-number x ticks (epochs). */
  xInteger?: boolean;
  /** Every series in the legend (more rows above a shorter plot). */
  fullLegend?: boolean;
}

/** One polyline (with point markers) per series, e.g. validation accuracy per epoch of the top trials. */
export function lineChart(o: LineChartOptions): string {
  const all = o.series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  const { width, height, left, right, bottom } = CHART;
  const top = plotTop(legendRows(o.series.length, o.fullLegend));
  const x = linearScale(all.map((p) => p.x), left, width - right, { integer: o.xInteger });
  const y = linearScale(all.map((p) => p.y), height - bottom, top);
  const marks = o.series.map((s, i) => {
    const color = PALETTE[i % PALETTE.length]!;
    const pts = s.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const coords = pts.map((p) => `${px(x(p.x))},${px(y(p.y))}`);
    const dots = coords.map((c) => { const [cx, cy] = c.split(','); return `<circle cx="${cx}" cy="${cy}" r="2.5" fill="${color}"/>`; });
    const key = s.key === undefined ? '' : ` data-series="${escapeHtml(s.key)}" data-values="${pts.map((p) => String(p.y)).join(' ')}"`;
    return `<g class="curve" data-trial="${s.trial}"${key}><title>${escapeHtml(s.label)}</title><polyline fill="none" stroke="${color}" stroke-width="2" points="${coords.join(' ')}"/>${dots.join('')}</g>`;
  });
  return chartFrame({ ...o, x, y, body: marks.join('\n'), legend: o.series.map((s, i) => ({ label: s.label, color: PALETTE[i % PALETTE.length]! })), fullLegend: o.fullLegend });
}
