import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, loadReportData, renderHtmlReport, type ReportData } from '../../../cli/report/index.js';
import { paretoFront, rankTrials, SparsenasError, type EpochMetrics, type Store, type Trial } from '../../../search/index.js';
import { curve, fakeStudy } from '../fake-study.js';
import { assertBalanced, attrs } from './html-structure.js';

function data(name = 'mnist-sparse', edit: (t: Trial[]) => Trial[] = (t) => t): ReportData {
  const { study, trials } = fakeStudy(name);
  const ts = edit(trials);
  const epochs: Record<number, EpochMetrics[]> = {};
  for (const t of ts) epochs[t.number] = t.metrics ? curve(t.metrics.valAccuracy, 4) : t.state === 'pruned' ? curve(0.5, 1) : [];
  return { study, trials: ts, epochs, generatedAt: Date.UTC(2026, 0, 2) };
}

test('structure: balanced tags, every chart, one table row per trial, sections present', () => {
  const d = data();
  const html = renderHtmlReport(d);
  assertBalanced(html);
  for (const id of ['chart-acc-flops', 'chart-acc-sparsity', 'chart-curves', 'chart-layers']) {
    assert.equal((html.match(new RegExp(`<svg id="${id}"`, 'g')) ?? []).length, 1, id);
  }
  assert.equal((html.match(/<tr id="trial-\d+"/g) ?? []).length, d.trials.length);
  assert.deepEqual([...html.matchAll(/<details(?: open)? data-trial="(\d+)"/g)].map((m) => Number(m[1])), [5, 1, 0, 2]);
  for (const s of ['summary', 'leaderboard', 'charts', 'pareto', 'details', 'definition', 'checksums']) assert.match(html, new RegExp(`<section id="${s}">`));
  assert.match(html, /<td><code>train-images-idx3-ubyte\.gz<\/code><\/td><td><code>a{64}<\/code><\/td>/);
  assert.match(html, /&quot;validationFraction&quot;: 0\.1/); // pretty-printed definition
  assert.match(html, /<tr id="trial-4" class="state-failed"[^>]*>.*<td>loss is not finite at epoch 2; lower the learning rate<\/td><\/tr>/);
});

test('self-contained: no script, no external URL, no resource loads', () => {
  const html = renderHtmlReport(data());
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /\ssrc=|\shref="(?!#)|https?:\/\/|url\(|@import|xlink:href/i);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"/);
});

test('every user string is escaped: study name, group, label, architecture meta, error, definition', () => {
  const evil = '<script>alert(1)</script>';
  const d = data(evil, (ts) => ts.map((t) => ({
    ...t, group: t.group && '"><img src=x onerror=alert(2)>', label: t.label && '</td></tr><tr>',
    error: t.error && `${t.error} <b>&</b>`,
    architecture: t.architecture && { ...t.architecture, family: '<i>mlp</i>' },
    metrics: t.metrics && { ...t.metrics, layers: t.metrics.layers.map((l) => ({ ...l, name: `<u>${l.name}</u>` })) },
  })));
  const html = renderHtmlReport(d);
  assertBalanced(html);
  assert.ok(!html.includes(evil) && !html.includes('<script'));
  assert.ok(html.includes(escapeHtml(evil)));
  assert.ok(html.includes('<title>sparsenas report: &lt;script&gt;alert(1)&lt;/script&gt;</title>'));
  assert.ok(!/<(img|b|i|u)\b/.test(html), 'user markup leaked');
  assert.ok(html.includes('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;'));
  assert.equal((html.match(/<tr id="trial-\d+"/g) ?? []).length, d.trials.length);
});

test('the Pareto points and step line of the accuracy–FLOPs chart are exactly paretoFront', () => {
  const d = data();
  const html = renderHtmlReport(d);
  const chart = /<svg id="chart-acc-flops"[\s\S]*?<\/svg>/.exec(html)![0];
  const expected = paretoFront(d.trials).map((t) => String(t.number)).sort();
  assert.deepEqual(attrs(chart, 'circle', 'pt pareto', 'data-trial').sort(), expected);
  assert.deepEqual(attrs(chart, 'path', 'pareto-front', 'data-trials')[0]!.split(' ').sort(), expected);
  const completed = d.trials.filter((t) => t.state === 'completed');
  assert.equal(attrs(chart, 'circle', 'pt( pareto)?', 'data-trial').length, completed.length);
  // a staircase: x never decreases, and accuracy (pixel y, inverted) never drops along the front
  const path = attrs(chart, 'path', 'pareto-front', 'd')[0]!;
  const xs = [...path.matchAll(/(?:M|H)([\d.]+)/g)].map((m) => Number(m[1]));
  const ys = [...path.matchAll(/(?:,|V)([\d.]+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(xs, xs.slice().sort((a, b) => a - b));
  assert.deepEqual(ys, ys.slice().sort((a, b) => b - a));
});

test('learning curves show the top trials by the objective; layer bars show the best trial', () => {
  const d = data();
  const html = renderHtmlReport(d);
  const ranked = rankTrials(d.trials, { metric: 'valAccuracy', direction: 'maximize' });
  const curves = /<svg id="chart-curves"[\s\S]*?<\/svg>/.exec(html)![0];
  assert.deepEqual([...curves.matchAll(/<g class="curve" data-trial="(\d+)"/g)].map((m) => Number(m[1])), ranked.map((t) => t.number));
  const layers = /<svg id="chart-layers"[\s\S]*?<\/svg>/.exec(html)![0];
  assert.equal((layers.match(/<g class="bar"/g) ?? []).length, ranked[0]!.metrics!.layers.length);
  assert.match(layers, /Per-layer sparsity of trial 5/);
});

test('a study without completed trials still renders a valid page', () => {
  const html = renderHtmlReport(data('empty', (ts) => ts.filter((t) => t.state !== 'completed')));
  assertBalanced(html);
  assert.match(html, /No completed trial yet/);
  assert.doesNotMatch(html, /<svg id="chart-acc-flops"/);
  assertBalanced(renderHtmlReport(data('none', () => [])));
});

test('loadReportData gathers the study, trials in order and epochs by trial number', async () => {
  const { study, trials } = fakeStudy();
  const store = {
    getStudy: async (name: string) => (name === study.name ? study : undefined),
    getTrials: async () => trials.slice().reverse(),
    getEpochs: async (id: number) => curve(0.8, id % 3 + 1),
  } as unknown as Store;
  const d = await loadReportData(store, study.name, { now: () => 42 });
  assert.deepEqual(d.trials.map((t) => t.number), [0, 1, 2, 3, 4, 5]);
  assert.equal(d.epochs[1]!.length, (trials[1]!.id % 3) + 1);
  assert.equal(d.generatedAt, 42);
  await assert.rejects(loadReportData(store, 'nope'), (e: unknown) => e instanceof SparsenasError && e.code === 'STUDY_NOT_FOUND' && /"nope" not found/.test(e.message));
});
