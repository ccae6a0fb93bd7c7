import { constraintsLine } from './report-data.js';
import { importanceOf } from './html-charts.js';
import { IMPORTANCE_METHOD } from '../../search/index.js';
import { metricValue } from '../../search/index.js';
import { describeArchitecture, describeTrialArchitecture, formatCount, formatFixed, oneLine, progressBar, truncate } from '../format/index.js';
import { escapeMarkdown, formatLeaderboard, markdownCodeBlock, markdownTable } from '../leaderboard/index.js';

import { asciiScatter } from './ascii-scatter.js';
import { dassMarkdown } from './dass-views.js';
import { groupTable, summariseGroups } from './group-summary.js';
import { reportFacts, type ReportData } from './report-data.js';

/**
 * The report for code-hosting sites (README, issue, pull request): tables instead of charts,
 * an ASCII scatter in a code block, every user string escaped.
 */
export function renderMarkdownReport(data: ReportData): string {
  const facts = reportFacts(data);
  const d = data.study.definition;
  const c = facts.counts;
  const best = facts.best;
  const md = (s: string) => escapeMarkdown(oneLine(s));
  const out: string[] = [];
  out.push(`# sparsenas report: ${md(data.study.name)}`, '', `Generated ${new Date(data.generatedAt).toISOString()}.`, '');
  out.push(
    `- **state**: ${md(data.study.state)}`,
    `- **strategy**: ${md(d.strategy.name)} · **space**: ${md(d.space.name)} · **dataset**: ${md(d.dataset.name)} · **seed**: ${d.seed}`,
    `- **backend**: ${md(data.study.backend ?? '-')}`,
    `- **objectives**: ${d.objectives.map((o) => `${o.direction} ${md(o.metric)}`).join(', ')}`,
    `- **trials**: ${data.trials.length} (${(['completed', 'pruned', 'failed', 'interrupted', 'running'] as const).filter((s) => c[s]).map((s) => `${c[s]} ${s}`).join(', ') || 'none'})`,
    ...(constraintsLine(data) ? [`- **constraints**: ${md(constraintsLine(data)!)}`] : []),
    `- **best**: ${best ? `trial ${best.number}, ${md(facts.objective.metric)} ${formatFixed(metricValue(best, facts.objective.metric))}, ${md(describeTrialArchitecture(best))}` : '-'}`,
    '',
  );

  out.push('## Leaderboard', '', data.trials.length ? formatLeaderboard(data.trials, { format: 'md', all: true, objectives: [facts.objective] }) : 'No trials yet.', '');
  const failed = data.trials.filter((t) => t.error);
  if (failed.length) {
    out.push('### Trials that did not complete', '', markdownTable(['trial', 'state', 'reason'], failed.map((t) => [String(t.number), t.state, oneLine(t.error!)])), '');
  }

  const groups = summariseGroups(data.trials, facts.objective);
  if (groups.length > 1) {
    const { headers, rows, aligns } = groupTable(groups, facts.objective);
    out.push('## Groups', '', markdownTable(headers, rows, aligns), '');
  }

  out.push('## Pareto front (validation accuracy vs sparse FLOPs)', '');
  if (facts.front.length) {
    out.push(formatLeaderboard(facts.front, { format: 'md', sort: 'sparseFlops', columns: ['trial', 'val_acc', 'sparsity', 'sparse_flops', 'architecture'] }), '');
    const onFront = new Set(facts.front.map((t) => t.number));
    const pts = facts.ranked.filter((t) => t.metrics).map((t) => ({ x: t.metrics!.sparseFlops, y: t.metrics!.valAccuracy, front: onFront.has(t.number) }));
    out.push(markdownCodeBlock(asciiScatter(pts, { xLabel: 'sparse FLOPs', yLabel: 'validation accuracy', xFormat: formatCount }), 'text'), '');
  } else out.push('No completed trial yet.', '');

  const importance = importanceOf(facts);
  if (importance.length) {
    out.push('## Dimension importance', '',
      markdownTable(['dimension', 'share of explained variance', 'η²', 'groups'],
        importance.map((d) => [escapeMarkdown(oneLine(d.dimension)), `${(d.share * 100).toFixed(1)}%`, d.eta2.toFixed(3), String(d.groups)]),
        ['left', 'right', 'right', 'right']),
      '', `Importance of each dimension for validation accuracy over the ${facts.ranked.filter((t) => t.metrics).length} ranked trials. Method: ${escapeMarkdown(IMPORTANCE_METHOD)}.`, '');
  }

  const top = facts.ranked.filter((t) => data.epochs[t.number]?.length).slice(0, 5);
  if (top.length) {
    const maxEpoch = Math.max(...top.map((t) => data.epochs[t.number]!.length));
    const rows = Array.from({ length: maxEpoch }, (_, i) => [String(i + 1), ...top.map((t) => formatFixed(data.epochs[t.number]![i]?.valAccuracy))]);
    out.push(`## Learning curves (validation accuracy per epoch, top ${top.length})`, '',
      markdownTable(['epoch', ...top.map((t) => `trial ${t.number}`)], rows, ['right', ...top.map(() => 'right' as const)]), '');
  }

  out.push(...dassMarkdown(data, markdownTable));

  const layers = best?.metrics?.layers ?? [];
  if (layers.length) {
    out.push(`## Per-layer sparsity of trial ${best!.number}`, '',
      markdownTable(['layer', 'type', 'sparsity', '', 'nonzeros', 'params'],
        layers.map((l) => [truncate(oneLine(l.name), 40), oneLine(l.type), formatFixed(l.sparsity, 3), progressBar(l.sparsity, 20), formatCount(l.nonZeros), formatCount(l.params)]),
        ['left', 'left', 'right', 'left', 'right', 'right']), '');
  }

  out.push('## Search definition', '', markdownCodeBlock(JSON.stringify(d, null, 2), 'json'), '');
  const sums = Object.entries(data.study.dataChecksums ?? {});
  out.push('## Data checksums (sha256)', '', sums.length ? markdownTable(['file', 'sha256'], sums) : 'None recorded (embedded or generated data).', '');
  return out.join('\n');
}
