import { escapeHtml } from '../escape-html.js';
import { truncate } from '../../format/index.js';
import { px, type Scale } from './scale.js';

// `top` leaves room for the title and two legend rows above the plot area.
export const CHART = { width: 640, height: 400, left: 64, right: 16, top: 64, bottom: 52 } as const;

/**
 * Legend layout: three columns across the plot's width; a label is cut to what its column holds
 * at LEGEND_CHAR_PX per character (0.6 em of the charts' 11 px text, wider than system-ui's
 * average glyph), so no label runs into the next column or past the chart's right edge.
 */
export const LEGEND_CHAR_PX = 6.6;
const LEGEND_COLUMNS = 3;
const LEGEND_SWATCH = 14;
export function legendLayout(): { columnWidth: number; maxChars: number } {
  const columnWidth = (CHART.width - CHART.right - CHART.left) / LEGEND_COLUMNS;
  return { columnWidth, maxChars: Math.floor((columnWidth - LEGEND_SWATCH - 8) / LEGEND_CHAR_PX) };
}

/** Okabe–Ito palette: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#999933', '#000000'];

export interface LegendEntry { label: string; color: string }

/** What every axis chart is told: its id, texts and tick formats. */
export interface ChartText {
  /** Stable id used by tests and by in-page links. */
  id: string;
  title: string;
  /** Alternative text for screen readers. */
  description: string;
  xLabel: string;
  yLabel: string;
  xFormat: (v: number) => string;
  yFormat: (v: number) => string;
}

export interface FrameOptions extends ChartText {
  x: Scale;
  y: Scale;
  /** Marks, already positioned with `x` and `y`. */
  body: string;
  legend?: LegendEntry[];
  /** Show every legend entry (rows of three, the plot starting below them: `plotTop`) instead of five and `+N more`. */
  fullLegend?: boolean;
}

/** Rows of the legend above the plot: two, or as many as `entries` need with `full`. */
export function legendRows(entries: number, full = false): number {
  return full ? Math.max(2, Math.ceil(entries / LEGEND_COLUMNS)) : 2;
}

/** Top of the plot area when the legend takes `rows` rows (CHART.top leaves room for two). */
export function plotTop(rows: number): number {
  return CHART.top + (Math.max(2, rows) - 2) * 16;
}

/** The opening of a chart: `<svg>` with an accessible title and the visible title. */
export function svgOpen(o: { id: string; title: string; description: string }, width: number, height: number, titleX: number): string[] {
  const id = escapeHtml(o.id);
  return [
    `<svg id="${id}" class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title">`,
    `<title id="${id}-title">${escapeHtml(o.description)}</title>`,
    `<text class="chart-title" x="${titleX}" y="18">${escapeHtml(o.title)}</text>`,
  ];
}

/** An inline SVG chart: grid, axes with ticks and labels, title, legend, then the marks. */
export function chartFrame(o: FrameOptions): string {
  const { width, height, left, right, bottom } = CHART;
  const x0 = left;
  const x1 = width - right;
  const y0 = height - bottom;
  const y1 = plotTop(legendRows(o.legend?.length ?? 0, o.fullLegend));
  const grid: string[] = [];
  for (const t of o.x.ticks) {
    const x = px(o.x(t));
    grid.push(`<line class="grid" x1="${x}" y1="${y0}" x2="${x}" y2="${y1}"/>`,
      `<text class="tick" x="${x}" y="${y0 + 16}" text-anchor="middle">${escapeHtml(o.xFormat(t))}</text>`);
  }
  for (const t of o.y.ticks) {
    const y = px(o.y(t));
    grid.push(`<line class="grid" x1="${x0}" y1="${y}" x2="${x1}" y2="${y}"/>`,
      `<text class="tick" x="${x0 - 6}" y="${y}" dy="0.32em" text-anchor="end">${escapeHtml(o.yFormat(t))}</text>`);
  }
  // Two rows of three fit above the plot; more series are summarised in the last slot (unless fullLegend).
  const entries = !o.fullLegend && (o.legend ?? []).length > 6 ? [...o.legend!.slice(0, 5), { label: `+${o.legend!.length - 5} more`, color: 'transparent' }] : o.legend ?? [];
  const { columnWidth, maxChars } = legendLayout();
  const legend = entries.map((l, i) =>
    `<g transform="translate(${px(x0 + (i % LEGEND_COLUMNS) * columnWidth)},${28 + Math.floor(i / LEGEND_COLUMNS) * 16})"><title>${escapeHtml(l.label)}</title><rect width="10" height="10" fill="${l.color}"/><text class="legend" x="${LEGEND_SWATCH}" y="9">${escapeHtml(truncate(l.label, maxChars))}</text></g>`);
  return [
    ...svgOpen(o, width, height, x0),
    ...grid,
    `<line class="axis" x1="${x0}" y1="${y0}" x2="${x1}" y2="${y0}"/>`,
    `<line class="axis" x1="${x0}" y1="${y0}" x2="${x0}" y2="${y1}"/>`,
    `<text class="axis-label" x="${(x0 + x1) / 2}" y="${height - 10}" text-anchor="middle">${escapeHtml(o.xLabel)}</text>`,
    `<text class="axis-label" transform="translate(14,${(y0 + y1) / 2}) rotate(-90)" text-anchor="middle">${escapeHtml(o.yLabel)}</text>`,
    o.body,
    ...legend,
    '</svg>',
  ].join('\n');
}

/** Colour per group (or label), in order of first appearance. */
export function seriesColors(keys: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const k of keys) if (!m.has(k)) m.set(k, PALETTE[m.size % PALETTE.length]!);
  return m;
}
