import { escapeHtml } from '../escape-html.js';
import { PALETTE, svgOpen } from './chart-frame.js';
import { px } from './scale.js';

export interface Bar {
  label: string;
  /** In [0, 1]. */
  value: number;
  /** Text after the bar, e.g. `90.0% · 40.2k / 402k`. */
  note: string;
}

/** Horizontal bars on a 0–100% axis (per-layer sparsity of the best trial). */
export function barChart(o: { id: string; title: string; description: string; bars: Bar[] }): string {
  const width = 640;
  const labelW = 180;
  const barW = 300;
  const rowH = 22;
  const top = 36;
  const height = top + o.bars.length * rowH + 28;
  const rows = o.bars.map((b, i) => {
    const y = top + i * rowH;
    const w = px(Math.max(0, Math.min(1, b.value)) * barW);
    return `<g class="bar" data-layer="${escapeHtml(b.label)}"><text class="tick" x="${labelW - 8}" y="${y + 14}" text-anchor="end">${escapeHtml(b.label)}</text>`
      + `<rect class="bar-bg" x="${labelW}" y="${y + 3}" width="${barW}" height="${rowH - 6}"/>`
      + `<rect x="${labelW}" y="${y + 3}" width="${w}" height="${rowH - 6}" fill="${PALETTE[0]}"/>`
      + `<text class="tick" x="${labelW + barW + 8}" y="${y + 14}">${escapeHtml(b.note)}</text></g>`;
  });
  const axisY = top + o.bars.length * rowH + 4;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => `<text class="tick" x="${px(labelW + t * barW)}" y="${axisY + 14}" text-anchor="middle">${t * 100}%</text>`);
  return [
    ...svgOpen(o, width, height, labelW),
    ...rows,
    `<line class="axis" x1="${labelW}" y1="${axisY}" x2="${labelW + barW}" y2="${axisY}"/>`,
    ...ticks,
    '</svg>',
  ].join('\n');
}
