import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtmlReport, renderMarkdownReport, type ReportData } from '../../../cli/report/index.js';
import { color } from '../../../cli/report/svg/parallel-coordinates.js';
import { createRng, type Trial } from '../../../search/index.js';
import { fakeStudy } from '../fake-study.js';
import { assertBalanced } from './html-structure.js';

/** 120 completed trials over three dimensions; accuracy is decided by `activation` alone. */
function searched(): ReportData {
  const { study, trials } = fakeStudy('dims');
  const base = trials.find((t) => t.state === 'completed')!;
  const rng = createRng(4);
  const out: Trial[] = Array.from({ length: 120 }, (_, i) => {
    const sample = { width: [64, 128, 256, 512][rng.int(0, 3)]!, activation: ['relu', 'gelu', 'tanh'][rng.int(0, 2)]!, sparsity: [0.5, 0.8, 0.9][rng.int(0, 2)]! };
    const acc = ({ relu: 0.9, gelu: 0.8, tanh: 0.6 } as Record<string, number>)[sample.activation]!;
    return { ...structuredClone(base), id: 500 + i, number: i, sample, metrics: { ...base.metrics!, valAccuracy: acc } };
  });
  return { study, trials: out, epochs: {}, generatedAt: Date.UTC(2026, 0, 2) };
}

test('the HTML report has parallel coordinates of the searched dimensions, one line per ranked trial coloured by accuracy', () => {
  const d = searched();
  const html = renderHtmlReport(d);
  assertBalanced(html);
  assert.match(html, /<section id="dimensions">/);
  const chart = /<svg id="chart-parallel"[\s\S]*?<\/svg>/.exec(html)?.[0];
  assert.ok(chart, 'parallel coordinates chart');
  const lines = [...chart.matchAll(/<polyline class="pc-line" points="([^"]+)"[^>]*stroke="(#[0-9a-f]{6})"[^>]*data-trial="(\d+)"/g)];
  assert.deepEqual(lines.map((m) => Number(m[3])).sort((a, b) => a - b), d.trials.map((t) => t.number));
  // 3 dimension axes + the accuracy axis: 4 points per line.
  for (const m of lines) assert.equal(m[1]!.split(' ').length, 4);
  for (const axis of ['activation', 'sparsity', 'width', 'val_acc']) assert.match(chart, new RegExp(`class="axis-label"[^>]*>${axis}<`));
  const byTrial = new Map(lines.map((m) => [Number(m[3]), m[2]]));
  const best = d.trials.find((t) => t.sample['activation'] === 'relu')!, worst = d.trials.find((t) => t.sample['activation'] === 'tanh')!;
  assert.equal(byTrial.get(best.number), color(1));
  assert.equal(byTrial.get(worst.number), color(0));
  assert.notEqual(color(0), color(1));
});

test('the reports list each dimension’s share of the accuracy variance and name the method', () => {
  const d = searched();
  const html = renderHtmlReport(d);
  const rows = [...(/<table id="importance">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '').matchAll(/<tr><td>(\w+)<\/td><td class="num">([\d.]+)%<\/td>/g)];
  assert.equal(rows[0]![1], 'activation');
  assert.ok(Number(rows[0]![2]) > 95, rows[0]![2]);
  assert.deepEqual(rows.map((r) => r[1]).sort(), ['activation', 'sparsity', 'width']);
  assert.match(html, /Method: one-way ANOVA per dimension/);
  const md = renderMarkdownReport(d);
  assert.match(md, /## Dimension importance/);
  assert.match(md, /\| activation \| (9\d|100)\.\d% \|/);
  assert.match(md, /one-way ANOVA/);
});

test('fewer than two ranked trials: no parallel coordinates, no importance', () => {
  const d = searched();
  const html = renderHtmlReport({ ...d, trials: d.trials.slice(0, 1) });
  assert.doesNotMatch(html, /chart-parallel|id="importance"/);
});
