import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtmlReport, type ReportData } from '../../../cli/report/index.js';
import { formatLeaderboard } from '../../../cli/leaderboard/index.js';
import { paretoObjectives } from '../../../cli/commands/leaderboard.js';
import { parseDefinition, type Objective } from '../../../search/index.js';
import { fakeStudy } from '../fake-study.js';
import { assertBalanced } from './html-structure.js';

/** The fake study's completed trials with latencies: the most accurate is also the slowest. */
function withLatency(): ReportData {
  const { study, trials } = fakeStudy('fast');
  const done = trials.filter((t) => t.state === 'completed').sort((a, b) => a.metrics!.valAccuracy - b.metrics!.valAccuracy);
  done.forEach((t, i) => { t.metrics = { ...t.metrics!, latencyMsB1: 0.5 * (i + 1), latencyMsB128: 10 * (i + 1) }; });
  return { study, trials, epochs: {}, generatedAt: Date.UTC(2026, 0, 2) };
}

test('latency is an objective: the study objectives give the Pareto front against latencyMsB1, the sort takes the column name', () => {
  const objectives: Objective[] = [{ metric: 'valAccuracy', direction: 'maximize' }, { metric: 'latencyMsB1', direction: 'minimize' }];
  assert.deepEqual(parseDefinition({ objectives }).objectives, objectives);
  assert.equal(paretoObjectives(objectives.slice(0, 1)), true);
  const d = withLatency();
  const front = JSON.parse(formatLeaderboard(d.trials, { format: 'json', pareto: paretoObjectives(objectives) })) as { trial: number }[];
  // Every completed trial trades accuracy for latency: all are on the front.
  assert.equal(front.length, d.trials.filter((t) => t.state === 'completed').length);
  const fastest = JSON.parse(formatLeaderboard(d.trials, { format: 'json', sort: 'latency_b1_ms', top: 1 })) as { metrics: { latencyMsB1: number } }[];
  assert.equal(fastest[0]!.metrics.latencyMsB1, 0.5);
});

test('the HTML report draws accuracy against batch-1 latency with its Pareto front, only when latency was measured', () => {
  const d = withLatency();
  const html = renderHtmlReport(d);
  assertBalanced(html);
  const chart = /<svg id="chart-acc-latency"[\s\S]*?<\/svg>/.exec(html)?.[0];
  assert.ok(chart, 'latency chart');
  assert.equal((chart.match(/<circle class="pt/g) ?? []).length, d.trials.filter((t) => t.state === 'completed').length);
  assert.match(chart, /class="pareto-front"/);
  assert.match(chart, /latency 0\.5 ms \(batch 1\), 10 ms \(batch 128\) on wasm/);
  const plain = fakeStudy('plain');
  assert.doesNotMatch(renderHtmlReport({ ...plain, epochs: {}, generatedAt: 0 }), /chart-acc-latency/);
});
