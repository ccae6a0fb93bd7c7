import { escapeHtml } from '../escape-html.js';
import { truncate } from '../../format/index.js';
import { px } from './scale.js';
import { svgOpen } from './chart-frame.js';
import type { Json } from '../../../search/index.js';

export interface ParallelLine {
  trial: number;
  /** One value per axis (`axes[i].name`). */
  values: Record<string, Json | undefined>;
  /** The colour metric (accuracy); also the last axis. */
  metric: number;
  tooltip: string;
}

export interface ParallelOptions {
  id: string;
  title: string;
  description: string;
  /** The searched dimensions, left to right. */
  axes: string[];
  metricLabel: string;
  lines: ParallelLine[];
}

/**
 * Parallel coordinates: one vertical axis per searched dimension plus one for the metric, one
 * polyline per trial, coloured by the metric (low: light yellow → high: dark blue, viridis-like
 * end points). A numeric axis is linear from its minimum (bottom) to its maximum (top); any
 * other axis spaces its distinct values evenly in sorted order. No script: hover titles only.
 */
export function parallelCoordinates(o: ParallelOptions): string {
  const lines = o.lines.filter((l) => Number.isFinite(l.metric));
  const axes = o.axes;
  const width = Math.max(640, 110 * (axes.length + 1));
  const height = 400, top = 56, bottom = 40, left = 60, right = 60;
  const y0 = height - bottom, y1 = top;
  const xs = (i: number) => left + (i * (width - left - right)) / Math.max(1, axes.length);
  const position: ((v: Json | undefined) => number)[] = [];
  const labels: { y: number; text: string }[][] = [];
  for (const a of axes) {
    const vs = lines.map((l) => l.values[a]);
    const numeric = vs.every((v) => typeof v === 'number' && Number.isFinite(v));
    if (numeric && vs.length) {
      const nums = vs as number[];
      const lo = Math.min(...nums), hi = Math.max(...nums);
      const f = (v: Json | undefined) => (hi === lo ? (y0 + y1) / 2 : y0 - ((Number(v) - lo) / (hi - lo)) * (y0 - y1));
      position.push(f);
      labels.push(hi === lo ? [{ y: f(lo), text: String(lo) }] : [{ y: y0, text: fmt(lo) }, { y: y1, text: fmt(hi) }]);
    } else {
      const keys = [...new Set(vs.map(key))].sort();
      const f = (v: Json | undefined) => {
        const i = keys.indexOf(key(v));
        return keys.length < 2 ? (y0 + y1) / 2 : y0 - (i / (keys.length - 1)) * (y0 - y1);
      };
      position.push(f);
      labels.push(keys.map((k) => ({ y: f(JSON.parse(k) as Json), text: truncate(show(JSON.parse(k) as Json), 14) })));
    }
  }
  const ms = lines.map((l) => l.metric);
  const mlo = Math.min(...ms), mhi = Math.max(...ms);
  const t = (m: number) => (mhi === mlo ? 1 : (m - mlo) / (mhi - mlo));
  const my = (m: number) => y0 - t(m) * (y0 - y1);
  const out = svgOpen(o, width, height, left);
  // Lowest metric first, so the best lines are drawn on top.
  for (const l of lines.slice().sort((a, b) => a.metric - b.metric)) {
    const pts = axes.map((a, i) => `${px(xs(i))},${px(position[i]!(l.values[a]))}`);
    pts.push(`${px(xs(axes.length))},${px(my(l.metric))}`);
    out.push(`<polyline class="pc-line" points="${pts.join(' ')}" fill="none" stroke="${color(t(l.metric))}" stroke-width="1.5" stroke-opacity="0.8" data-trial="${l.trial}"><title>${escapeHtml(l.tooltip)}</title></polyline>`);
  }
  [...axes, o.metricLabel].forEach((a, i) => {
    const x = px(xs(i));
    out.push(`<line class="axis" x1="${x}" y1="${y0}" x2="${x}" y2="${y1}" stroke="#333"/>`,
      `<text class="axis-label" x="${x}" y="${y1 - 10}" text-anchor="middle">${escapeHtml(truncate(a, 18))}</text>`);
    const ls = i < axes.length ? labels[i]! : lines.length ? [{ y: y0, text: fmt(mlo) }, { y: y1, text: fmt(mhi) }] : [];
    for (const l of ls) out.push(`<text class="tick" x="${px(xs(i) + 4)}" y="${px(l.y)}" dy="0.32em">${escapeHtml(l.text)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

const key = (v: Json | undefined) => JSON.stringify(v ?? null);
const show = (v: Json) => (typeof v === 'string' ? v : JSON.stringify(v));
const fmt = (v: number) => (Number.isInteger(v) ? String(v) : v.toPrecision(3));

/** Light yellow (#fde725) at 0 → teal (#21918c) → dark blue-purple (#440154) at 1. */
export function color(t: number): string {
  const stops = [[0xfd, 0xe7, 0x25], [0x21, 0x91, 0x8c], [0x44, 0x01, 0x54]];
  const u = Math.max(0, Math.min(1, t)) * 2;
  const i = Math.min(1, Math.floor(u));
  const f = u - i;
  const c = stops[i]!.map((a, j) => Math.round(a + (stops[i + 1]![j]! - a) * f));
  return `#${c.map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}
