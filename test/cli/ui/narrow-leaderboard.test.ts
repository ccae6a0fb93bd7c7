// Issue 17 defect 9: at 70 columns the dashboard's leaderboard lost its architecture column (the
// lines were cut at the right edge, where the architecture is). Other columns give way instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dashboardLeaderboardLines } from '../../../cli/ui/LeaderboardView.js';
import { fakeStudy } from '../fake-study.js';

const ranked = fakeStudy().trials.filter((t) => t.state === 'completed');

test('at 70 columns the dashboard leaderboard keeps the architecture column; other columns are dropped first', () => {
  const lines = dashboardLeaderboardLines(ranked, 'valAccuracy', 70);
  assert.ok(lines.every((l) => [...l].length <= 70), lines.join('\n'));
  assert.match(lines[0]!, /architecture$/);
  assert.match(lines[0]!, /^rank +trial +val_acc/);
  const at = lines[0]!.indexOf('architecture');
  assert.ok(70 - at >= 24, `architecture starts at column ${at}`);
  for (const row of lines.slice(2)) assert.match(row.slice(at), /^mlp /, row);
});

test('wide terminals keep every column', () => {
  const lines = dashboardLeaderboardLines(ranked, 'valAccuracy', 200);
  assert.match(lines[0]!, /^rank +trial +val_acc +sparsity +nonzeros +sparse FLOPs +time +group\/label +architecture$/);
});
