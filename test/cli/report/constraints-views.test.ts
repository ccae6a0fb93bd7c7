import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtmlReport, renderMarkdownReport, type ReportData } from '../../../cli/report/index.js';
import { formatLeaderboard } from '../../../cli/leaderboard/index.js';
import type { EpochMetrics, Trial } from '../../../search/index.js';
import { fakeStudy } from '../fake-study.js';
import { assertBalanced } from './html-structure.js';

/** The fake study with constraints; its most accurate trial measured too slow, another never trained. */
function constrained(): ReportData {
  const { study, trials } = fakeStudy('budgeted');
  study.definition = { ...study.definition, constraints: { maxNonzeros: 50_000, maxLatencyMs: 2 } };
  const best = trials.filter((t) => t.state === 'completed').sort((a, b) => b.metrics!.valAccuracy - a.metrics!.valAccuracy)[0]!;
  best.metrics = { ...best.metrics!, latencyMsB1: 3.5, infeasible: 'latencyMsB1 3.5 > maxLatencyMs 2' };
  const never: Trial = { ...structuredClone(best), id: 999, number: trials.length, state: 'pruned', metrics: undefined, error: 'infeasible: nonzeros 80,000 > maxNonzeros 50,000; not trained' };
  const epochs: Record<number, EpochMetrics[]> = {};
  return { study, trials: [...trials, never], epochs, generatedAt: Date.UTC(2026, 0, 2) };
}

test('leaderboard: infeasible trials are not ranked, --all lists them marked "infeasible" with the reason in JSON', () => {
  const d = constrained();
  const slow = d.trials.find((t) => t.metrics?.infeasible)!;
  const ranked = formatLeaderboard(d.trials, { format: 'csv' });
  assert.doesNotMatch(ranked, /infeasible/);
  const all = formatLeaderboard(d.trials, { format: 'table', all: true });
  const lines = all.split('\n').filter((l) => /\binfeasible\b/.test(l));
  assert.equal(lines.length, 2, all);
  assert.match(lines.find((l) => new RegExp(`^\\s*-\\s+${slow.number}\\s`).test(l))!, /infeasible/);
  const json = JSON.parse(formatLeaderboard(d.trials, { format: 'json', all: true })) as { trial: number; infeasible: string | null }[];
  assert.equal(json.find((e) => e.trial === slow.number)!.infeasible, 'latencyMsB1 3.5 > maxLatencyMs 2');
});

test('reports show the constraints and mark the infeasible trials', () => {
  const d = constrained();
  const slow = d.trials.find((t) => t.metrics?.infeasible)!;
  const html = renderHtmlReport(d);
  assertBalanced(html);
  assert.match(html, /<dt>constraints<\/dt><dd>nonzeros ≤ 50,000, latency \(batch 1\) ≤ 2 ms \(2 of \d+ trials infeasible/);
  assert.match(html, new RegExp(`<tr id="trial-${slow.number}" class="state-completed infeasible"[^>]*>.*infeasible: latencyMsB1 3.5 &gt; maxLatencyMs 2; not ranked`));
  const md = renderMarkdownReport(d);
  assert.match(md, /- \*\*constraints\*\*: nonzeros ≤ 50,000, latency \\?\(batch 1\\?\) ≤ 2 ms/);
});
