// Issue 17 defect 9: learning-curve charts had fractional epoch ticks (1.5, 2.5) and legends
// whose labels ran past the chart's right edge (three 30-character columns in 560 px).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtmlReport, type ReportData } from '../../../cli/report/index.js';
import { CHART, LEGEND_CHAR_PX } from '../../../cli/report/svg/chart-frame.js';
import type { EpochMetrics } from '../../../search/index.js';
import { curve, fakeStudy, mlp } from '../fake-study.js';

function chart(html: string, id: string): string {
  const m = new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(html);
  assert.ok(m, id);
  return m[0];
}

function report(epochs: number): string {
  const { study, trials } = fakeStudy();
  // long architecture labels, as real CNN trials have
  const ts = trials.map((t) => ({ ...t, architecture: mlp([1024, 1024, 512, 256], 0.9, 'rigl') }));
  const curves: Record<number, EpochMetrics[]> = {};
  for (const t of ts) curves[t.number] = t.metrics ? curve(t.metrics.valAccuracy, epochs) : [];
  return renderHtmlReport({ study, trials: ts, epochs: curves, generatedAt: 0 } as ReportData);
}

test('learning curves: epoch ticks are whole numbers', () => {
  for (const epochs of [1, 2, 3, 4, 7, 30]) {
    const svg = chart(report(epochs), 'chart-curves');
    const ticks = [...svg.matchAll(/<text class="tick" x="[\d.]+" y="[\d.]+" text-anchor="middle">([^<]*)<\/text>/g)].map((m) => m[1]!);
    assert.ok(ticks.length >= 2, `${epochs} epochs: ${ticks.join(',')}`);
    for (const t of ticks) assert.match(t, /^\d+$/, `${epochs} epochs: tick "${t}" (${ticks.join(', ')})`);
  }
});

test('legends: every label fits its column and the chart, the full label is its tooltip', () => {
  const html = report(3);
  for (const id of ['chart-curves', 'chart-acc-flops']) {
    const svg = chart(html, id);
    const entries = [...svg.matchAll(/<g transform="translate\(([\d.]+),[\d.]+\)"><title>([^<]*)<\/title><rect[^>]*\/><text class="legend" x="([\d.]+)"[^>]*>([^<]*)<\/text><\/g>/g)];
    if (id === 'chart-curves') assert.ok(entries.length >= 3, `${id}: ${entries.length} legend entries`);
    const xs = [...new Set(entries.map((e) => Number(e[1])))].sort((a, b) => a - b);
    for (const e of entries) {
      const left = Number(e[1]) + Number(e[3]);
      const right = left + [...e[4]!].length * LEGEND_CHAR_PX;
      const next = xs.find((x) => x > Number(e[1])) ?? CHART.width;
      assert.ok(right <= next, `${id}: "${e[4]}" ends at ${right.toFixed(0)} px, past ${next}`);
    }
    if (id === 'chart-curves') assert.ok(entries.some((e) => e[4]!.endsWith('…') && e[2]!.length > e[4]!.length), 'long labels are cut, the tooltip keeps them whole');
  }
});
