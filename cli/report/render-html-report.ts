import { infeasibleReason, metricValue, type Trial } from '../../search/index.js';
import { describeArchitecture, describeTrialArchitecture, formatFixed, oneLine } from '../format/index.js';
import { leaderboardColumns, selectLeaderboard } from '../leaderboard/index.js';
import { dassSection } from './dass-views.js';
import { escapeHtml } from './escape-html.js';
import { accuracyVsFlopsChart, accuracyVsLatencyChart, accuracyVsSparsityChart, importanceOf, layerSparsityChart, learningCurvesChart, parallelCoordinatesChart } from './html-charts.js';
import { IMPORTANCE_METHOD } from '../../search/index.js';
import { REPORT_CSS } from './html-style.js';
import { groupTable, summariseGroups } from './group-summary.js';
import { constraintsLine, reportFacts, type ReportData } from './report-data.js';

type Facts = ReturnType<typeof reportFacts>;

/**
 * A self-contained HTML report: inline CSS and server-side SVG, no script, no external URL
 * (a Content-Security-Policy forbids loading anything), so it opens offline and can be
 * attached to a paper or an issue. Every user string is escaped.
 */
export function renderHtmlReport(data: ReportData): string {
  const facts = reportFacts(data);
  const name = escapeHtml(data.study.name);
  const empty = (what: string) => `<p class="empty">${what}</p>`;
  const curves = learningCurvesChart(data, facts);
  const layers = layerSparsityChart(facts);
  const hasPoints = facts.ranked.some((t) => t.metrics);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>sparsenas report: ${name}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>sparsenas report: ${name}</h1>
<p class="muted">generated ${escapeHtml(new Date(data.generatedAt).toISOString())}</p>
</header>
<section id="summary">
<h2>Summary</h2>
${summary(data, facts)}
</section>
<section id="leaderboard">
<h2>Leaderboard</h2>
${leaderboardTable(data, facts)}
</section>
${groupsSection(data, facts)}<section id="charts">
<h2>Charts</h2>
<div class="charts">
${hasPoints ? accuracyVsFlopsChart(data, facts) : empty('No completed trial yet: nothing to plot.')}
${hasPoints ? accuracyVsSparsityChart(data) : ''}
${accuracyVsLatencyChart(data, facts) ?? ''}
${curves ?? empty('No per-epoch metrics recorded.')}
${layers ?? empty('The best trial has no per-layer statistics.')}
</div>
</section>
${dimensionsSection(facts)}${dassSection(data)}<section id="pareto">
<h2>Pareto front (validation accuracy vs sparse FLOPs)</h2>
${facts.front.length ? `<p>${facts.front.length} non-dominated trial(s): ${facts.front.slice().sort((a, b) => a.number - b.number).map((t) => `<a href="#trial-${t.number}">trial ${t.number}</a>`).join(', ')}</p>` : empty('No completed trial yet.')}
</section>
${detailsSection(facts)}<section id="definition">
<h2>Search definition</h2>
<pre><code>${escapeHtml(JSON.stringify(data.study.definition, null, 2))}</code></pre>
</section>
<section id="checksums">
<h2>Data checksums (sha256)</h2>
${checksums(data)}
</section>
</body>
</html>
`;
}

function summary(data: ReportData, facts: Facts): string {
  const d = data.study.definition;
  const c = facts.counts;
  const best = facts.best;
  const rows: [string, string][] = [
    ['state', data.study.state],
    ['strategy', d.strategy.name], ['space', d.space.name], ['dataset', d.dataset.name],
    ['backend', data.study.backend ?? '-'], ['seed', String(d.seed)],
    ['objectives', d.objectives.map((o) => `${o.direction} ${o.metric}`).join(', ')],
    ['trials', `${data.trials.length} (${(['completed', 'pruned', 'failed', 'interrupted', 'running'] as const).filter((s) => c[s]).map((s) => `${c[s]} ${s}`).join(', ') || 'none'})`],
    ...(constraintsLine(data) ? [['constraints', constraintsLine(data)!] as [string, string]] : []),
    ['best', best ? `trial ${best.number}: ${facts.objective.metric} ${formatFixed(metricValue(best, facts.objective.metric))}, ${oneLine(describeTrialArchitecture(best))}` : '-'],
    ['created', new Date(data.study.createdAt).toISOString()], ['updated', new Date(data.study.updatedAt).toISOString()],
  ];
  return `<dl class="summary">\n${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('\n')}\n</dl>`;
}

/** Every trial: the ranked completed ones first, then the others with their reason. */
function leaderboardTable(data: ReportData, facts: Facts): string {
  if (!data.trials.length) return '<p class="empty">No trials yet.</p>';
  const entries = selectLeaderboard(data.trials, { all: true }, [facts.objective]);
  const cols = leaderboardColumns(facts.objective.metric);
  const head = cols.map((c) => `<th${c.align === 'right' ? ' class="num"' : ''}>${escapeHtml(c.header)}</th>`).join('') + '<th>note</th>';
  const best = facts.best;
  const body = entries.map((e) => {
    const cells = cols.map((c) => `<td class="${c.align === 'right' ? 'num' : c.key}">${escapeHtml(c.text(e))}</td>`).join('');
    const cls = `state-${e.trial.state}${infeasibleReason(e.trial) ? ' infeasible' : ''}${e.trial === best ? ' best' : ''}`;
    return `<tr id="trial-${e.trial.number}" class="${cls}" data-trial="${e.trial.number}">${cells}<td>${escapeHtml(note(e.trial))}</td></tr>`;
  });
  return `<div class="table-wrap"><table>\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table></div>`;
}

/**
 * The searched dimensions: parallel coordinates of the ranked trials coloured by validation
 * accuracy, and each dimension's share of the accuracy variance (the method is stated).
 */
function dimensionsSection(facts: Facts): string {
  const chart = parallelCoordinatesChart(facts);
  const importance = importanceOf(facts);
  if (!chart && !importance.length) return '';
  const pctOf = (v: number) => `${(v * 100).toFixed(1)}%`;
  const rows = importance.map((d) => `<tr><td>${escapeHtml(d.dimension)}</td><td class="num">${pctOf(d.share)}</td><td class="num">${d.eta2.toFixed(3)}</td><td class="num">${d.groups}</td></tr>`);
  const table = importance.length ? `<div class="table-wrap"><table id="importance">
<thead><tr><th>dimension</th><th class="num">share of explained variance</th><th class="num">η²</th><th class="num">groups</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table></div>
<p class="muted">Importance of each dimension for validation accuracy over the ${facts.ranked.filter((t) => t.metrics).length} ranked trials. Method: ${escapeHtml(IMPORTANCE_METHOD)}.</p>` : '<p class="empty">Too few ranked trials to estimate dimension importance (at least 3).</p>';
  return `<section id="dimensions">
<h2>Searched dimensions</h2>
${chart ?? ''}
<h3>Dimension importance</h3>
${table}
</section>
`;
}

/** Only when there is something to compare (two or more groups). */
function groupsSection(data: ReportData, facts: Facts): string {
  const groups = summariseGroups(data.trials, facts.objective);
  if (groups.length < 2) return '';
  const { headers, rows, aligns } = groupTable(groups, facts.objective);
  const th = headers.map((h, i) => `<th${aligns[i] === 'right' ? ' class="num"' : ''}>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr class="group">${r.map((c, i) => `<td${aligns[i] === 'right' ? ' class="num"' : ''}>${escapeHtml(c)}</td>`).join('')}</tr>`);
  return `<section id="groups">
<h2>Groups</h2>
<div class="table-wrap"><table>
<thead><tr>${th}</tr></thead>
<tbody>
${body.join('\n')}
</tbody>
</table></div>
</section>
`;
}

/** The best trials with everything needed to rebuild them: seed, sample, architecture JSON. */
function detailsSection(facts: Facts, top = 5): string {
  const best = facts.ranked.slice(0, top);
  if (!best.length) return '';
  const json = (v: unknown) => `<pre><code>${escapeHtml(JSON.stringify(v, null, 2))}</code></pre>`;
  const items = best.map((t, i) => `<details${i === 0 ? ' open' : ''} data-trial="${t.number}">
<summary>#${i + 1} trial ${t.number}: ${escapeHtml(oneLine(describeTrialArchitecture(t)))} (seed ${t.seed})</summary>
<p>sample</p>${json(t.sample)}
<p>architecture</p>${json(t.architecture)}
${t.training ? `<p>training overrides</p>${json(t.training)}` : ''}${t.metrics?.outputs ? `<p>strategy outputs</p>${json(t.metrics.outputs)}` : ''}${t.metrics?.extra ? `<p>extra metrics</p>${json(t.metrics.extra)}` : ''}
</details>`);
  return `<section id="details">
<h2>Best trials in detail</h2>
${items.join('\n')}
</section>
`;
}

function note(t: Trial): string {
  if (t.error) return oneLine(t.error);
  const infeasible = infeasibleReason(t);
  return infeasible ? `infeasible: ${oneLine(infeasible)}; not ranked` : '';
}

function checksums(data: ReportData): string {
  const entries = Object.entries(data.study.dataChecksums ?? {});
  if (!entries.length) return '<p class="empty">No data checksums recorded (embedded or generated data).</p>';
  const rows = entries.map(([file, sum]) => `<tr><td><code>${escapeHtml(file)}</code></td><td><code>${escapeHtml(sum)}</code></td></tr>`);
  return `<table>\n<thead><tr><th>file</th><th>sha256</th></tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}
