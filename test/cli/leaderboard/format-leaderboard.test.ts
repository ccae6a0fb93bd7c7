import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, escapeMarkdown, formatLeaderboard, markdownCodeBlock, selectLeaderboard } from '../../../cli/leaderboard/index.js';
import { paretoFront } from '../../../search/index.js';
import { fakeStudy, metrics, trial } from '../fake-study.js';

const { trials } = fakeStudy();

test('ranking: completed trials best first by validation accuracy; --all appends the others unranked', () => {
  assert.deepEqual(selectLeaderboard(trials).map((e) => [e.rank, e.trial.number]), [[1, 5], [2, 1], [3, 0], [4, 2]]);
  const all = selectLeaderboard(trials, { all: true });
  assert.deepEqual(all.slice(4).map((e) => [e.rank, e.trial.number, e.trial.state]), [[undefined, 3, 'pruned'], [undefined, 4, 'failed']]);
});

test('sort by another metric, --where filters, --pareto and --top compose', () => {
  assert.deepEqual(selectLeaderboard(trials, { sort: 'sparseFlops' }).map((e) => e.trial.number), [0, 2, 1, 5]);
  assert.deepEqual(selectLeaderboard(trials, { where: 'sparsity>=0.9' }).map((e) => e.trial.number), [0, 2]);
  const front = selectLeaderboard(trials, { pareto: true }).map((e) => e.trial.number);
  assert.deepEqual(front.slice().sort(), paretoFront(trials).map((t) => t.number).sort());
  assert.ok(!front.includes(2), 'trial 2 is dominated by trial 0');
  assert.deepEqual(selectLeaderboard(trials, { top: 2 }).map((e) => e.trial.number), [5, 1]);
});

test('table: aligned columns, one row per entry, the sort metric gets a column when not shown', () => {
  const out = formatLeaderboard(trials, { format: 'table' });
  const lines = out.split('\n');
  assert.equal(lines.length, 2 + 4);
  assert.match(lines[0]!, /^rank +trial +state +val_acc +test_acc +sparsity +nonzeros +params +sparse FLOPs +dense FLOPs +time +group\/label +architecture$/);
  assert.match(lines[2]!, /^ {3}1 +5  completed +0\.8800 +0\.8700 +0\.500 /);
  // columns line up: the state column starts at the same offset on every row
  const at = lines[0]!.indexOf('state');
  for (const l of lines.slice(2)) assert.equal(l.slice(at, at + 9), 'completed');
  const extra = formatLeaderboard([trial(0, { metrics: metrics(0.8, 1, { extra: { nodeSparsity: 0.5 } }) })], { sort: 'extra.nodeSparsity' });
  assert.match(extra.split('\n')[0]!, /time  extra\.nodeSparsity  group\/label  architecture$/);
  assert.equal(formatLeaderboard([], {}), 'no trials yet');
  const narrow = formatLeaderboard(trials, { maxWidth: 60 }).split('\n');
  assert.ok(narrow.every((l) => [...l].length <= 60) && narrow[2]!.endsWith('…'));
});

test('csv: RFC 4180 quoting, CRLF records, raw numbers, formula cells defused', () => {
  const odd = trial(0, { metrics: metrics(0.5, 10), label: 'a,"b"\nc', group: '=HYPERLINK("x")' });
  const csv = formatLeaderboard([odd], { format: 'csv' });
  const records = csv.split('\r\n');
  assert.equal(records.length, 3);
  assert.equal(records[2], '');
  assert.ok(records[0]!.startsWith('rank,trial,state,val_acc,test_acc,sparsity,nonzeros,params,sparse_flops'));
  assert.ok(records[1]!.includes(`"'=HYPERLINK(""x"")/a,""b"" c"`), records[1]);
  assert.ok(records[1]!.startsWith('1,0,completed,0.5,,0.9,53582,535818,10,1071636,12.3,'));
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('-1'), `'-1`);
  assert.equal(csvField(-1), '-1');
});

test('markdown: a GitHub table whose cells cannot break out', () => {
  const odd = trial(0, { metrics: metrics(0.5, 10), label: 'a|b <img src=x> `c`' });
  const md = formatLeaderboard([odd], { format: 'md' });
  const lines = md.split('\n');
  assert.equal(lines.length, 3);
  assert.match(lines[1]!, /^\|( --- \|| ---: \|)+$/);
  assert.ok(lines[2]!.includes('a\\|b \\<img src=x\\> \\`c\\`'), lines[2]);
  // unescaped pipes delimit exactly as many cells as the header has
  const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
  assert.equal(cells(lines[2]!), cells(lines[0]!));
  assert.equal(escapeMarkdown('x*y_z'), 'x\\*y\\_z');
  assert.equal(markdownCodeBlock('a ```` b'), '`````\na ```` b\n`````');
});

test('json: array best first, with metrics and per-layer stats', () => {
  const parsed = JSON.parse(formatLeaderboard(trials, { format: 'json', top: 2 })) as { rank: number; trial: number; metrics: { layers: unknown[] } }[];
  assert.deepEqual(parsed.map((r) => [r.rank, r.trial]), [[1, 5], [2, 1]]);
  assert.equal(parsed[0]!.metrics.layers.length, 3);
});

test('the no-match message shows the actual filters, not a placeholder (issue 17, defect 3)', () => {
  const out = formatLeaderboard([trial(0, { metrics: metrics(0.5, 1) })], { where: [{ metric: 'valAccuracy', op: '>', value: 0.8 }] });
  assert.equal(out, 'no trial matches --where "valAccuracy>0.8" among 1 completed trials');
});
