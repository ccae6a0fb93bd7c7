import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMarkdownReport, type ReportData } from '../../../cli/report/index.js';
import { paretoFront, type EpochMetrics } from '../../../search/index.js';
import { curve, fakeStudy } from '../fake-study.js';

function data(name = 'mnist-sparse'): ReportData {
  const { study, trials } = fakeStudy(name);
  const epochs: Record<number, EpochMetrics[]> = {};
  for (const t of trials) epochs[t.number] = t.metrics ? curve(t.metrics.valAccuracy, 3) : [];
  return { study, trials, epochs, generatedAt: 0 };
}

test('sections, leaderboard rows, Pareto table and the ASCII scatter', () => {
  const d = data();
  const md = renderMarkdownReport(d);
  for (const h of ['# sparsenas report: mnist-sparse', '## Leaderboard', '## Pareto front', '## Learning curves', '## Per-layer sparsity of trial 5', '## Search definition', '## Data checksums']) {
    assert.ok(md.includes(h), h);
  }
  const board = md.split('## Leaderboard')[1]!.split('###')[0]!;
  assert.equal(board.split('\n').filter((l) => /^\| [-\d]+ \| \d+ \|/.test(l)).length, d.trials.length);
  const scatter = /```text\n([\s\S]*?)\n```/.exec(md)![1]!;
  assert.equal((scatter.match(/\*/g) ?? []).length - 1 /* legend */, paretoFront(d.trials).length);
  assert.match(md, /\| 4 \| failed \| loss is not finite at epoch 2; lower the learning rate \|/);
});

test('user strings are escaped; a definition cannot close its code block', () => {
  const d = data('<script>alert(1)</script> | `x`');
  d.trials[1] = { ...d.trials[1]!, label: 'a|b\nc', group: '**bold**' };
  d.study.definition = { ...d.study.definition, study: 'has ``` fence' };
  const md = renderMarkdownReport(d);
  assert.ok(md.startsWith('# sparsenas report: \\<script\\>alert\\(1\\)\\</script\\> \\| \\`x\\`\n'));
  assert.ok(md.includes('\\*\\*bold\\*\\*/a\\|b c'));
  assert.ok(!md.includes('<script>alert(1)</script> |'));
  const fence = /\n(`{3,})json\n/.exec(md)![1]!;
  assert.ok(fence.length > 3, 'the fence is longer than the backtick run inside');
  assert.ok(md.includes(`"study": "has \`\`\` fence"\n}\n${fence}\n`));
});
