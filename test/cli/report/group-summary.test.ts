import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtmlReport, renderMarkdownReport, summariseGroups } from '../../../cli/report/index.js';
import { fakeStudy } from '../fake-study.js';

test('groups: counts, mean and sample std of the objective over completed trials, best by direction', () => {
  const { trials } = fakeStudy();
  const g = summariseGroups(trials, { metric: 'valAccuracy', direction: 'maximize' });
  assert.deepEqual(g.map((s) => [s.group, s.trials, s.completed]), [['(none)', 4, 2], ['random-control/ctrl', 1, 1], ['searched', 1, 1]]);
  const none = g[0]!;
  assert.ok(Math.abs(none.mean! - 0.845) < 1e-12);
  assert.ok(Math.abs(none.std! - Math.sqrt(2 * 0.035 ** 2)) < 1e-12);
  assert.equal(none.best, 0.88);
  assert.equal(g[1]!.std, 0);
  const min = summariseGroups(trials, { metric: 'sparseFlops', direction: 'minimize' });
  assert.equal(min[0]!.best, 120_000);
});

test('the group table appears in both reports only when there is more than one group', () => {
  const { study, trials } = fakeStudy();
  const data = { study, trials, epochs: {}, generatedAt: 0 };
  assert.equal((renderHtmlReport(data).match(/<tr class="group">/g) ?? []).length, 3);
  assert.match(renderMarkdownReport(data), /## Groups\n\n\| group\/label \| trials \|/);
  const single = { ...data, trials: trials.map((t) => ({ ...t, group: undefined, label: undefined })) };
  assert.doesNotMatch(renderHtmlReport(single), /id="groups"/);
  assert.doesNotMatch(renderMarkdownReport(single), /## Groups/);
});
