import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import { openStudy } from '../../cli/query.js';
import { plainLine } from '../../cli/reporters/index.js';
import { initialSearchState, reduceSearchState, type DashboardAction } from '../../cli/ui/index.js';
import { loadReportData, renderMarkdownReport } from '../../cli/report/index.js';
import { DEFAULT_DEFINITION, SqliteStore, withTestResults, type SearchEvent } from '../../search/index.js';
import { captureIo } from './capture-io.js';
import { metrics, mlp, trial } from './fake-study.js';
import { storeTrial } from '../search/fixtures.js';

const tested: SearchEvent = { type: 'trial.tested', at: 5, trialNumber: 2, testAccuracy: 0.91234, testLoss: 0.30171 };

describe('test results of the best trials in the CLI', () => {
  let dir: string;
  let db: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sparsenas-testresults-'));
    db = join(dir, 'runs.db');
    const store = await SqliteStore.open(db);
    const s = await store.createStudy('s', { ...DEFAULT_DEFINITION, study: 's' });
    for (const acc of [0.8, 0.85, 0.9]) {
      await storeTrial(store, s.id, { sample: {}, architecture: mlp([64]), seed: 1 }, { state: 'completed', metrics: metrics(acc, 1000) });
    }
    await store.updateStudy(s.id, { state: 'finished', testResults: { 2: { testAccuracy: 0.8875, testLoss: 0.41, evaluatedAt: 1 } } });
    await store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the plain reporter prints "trial N test_acc X"', () => {
    assert.equal(plainLine(tested), 'trial 2 test_acc 0.9123  test_loss 0.3017');
  });

  it('the dashboard shows a tested trial above the live region and ignores events it does not know', () => {
    const state = initialSearchState();
    const next = reduceSearchState(state, tested);
    assert.deepEqual(next.staticItems, [{ kind: 'log', key: 'log-0', level: 'info', message: 'trial 2 test_acc 0.9123  test_loss 0.3017' }]);
    const unknown = { type: 'trial.somethingNew', at: 9 } as unknown as DashboardAction;
    assert.equal(reduceSearchState(next, unknown), next);
  });

  it('withTestResults fills test accuracy only where the trial has none, without touching the input', () => {
    const own = trial(1, { metrics: metrics(0.8, 1, { testAccuracy: 0.7, testLoss: 0.9 }) });
    const plain = trial(2, { metrics: metrics(0.9, 1) });
    const input = [own, plain, trial(3, { state: 'failed' })];
    const results = { 1: { testAccuracy: 0.1, testLoss: 5, evaluatedAt: 0 }, 2: { testAccuracy: 0.88, testLoss: 0.4, evaluatedAt: 0 }, 3: { testAccuracy: 0.5, testLoss: 1, evaluatedAt: 0 } };
    const view = withTestResults(input, results);
    assert.equal(view[0]!.metrics!.testAccuracy, 0.7, "the trial's own measurement wins");
    assert.deepEqual([view[1]!.metrics!.testAccuracy, view[1]!.metrics!.testLoss], [0.88, 0.4]);
    assert.equal(view[2]!.metrics, undefined);
    assert.equal(plain.metrics!.testAccuracy, undefined, 'input unchanged');
  });

  it('`leaderboard --format json` and the table show the tested trial\'s test accuracy', async () => {
    const json = captureIo(dir);
    assert.equal(await main(['leaderboard', '--db', db, '--study', 's', '--format', 'json'], json.io), 0, json.text().stderr);
    const rows = JSON.parse(json.text().stdout) as { trial: number; metrics: { testAccuracy?: number; testLoss?: number } }[];
    assert.deepEqual(rows.map((r) => [r.trial, r.metrics.testAccuracy, r.metrics.testLoss]), [[2, 0.8875, 0.41], [1, undefined, undefined], [0, undefined, undefined]]);

    const table = captureIo(dir);
    assert.equal(await main(['leaderboard', '--db', db, '--study', 's'], table.io), 0);
    const lines = table.text().stdout.split('\n');
    const header = lines.find((l) => l.includes('test_acc'))!;
    const best = lines.find((l) => /^\s*1\s+2\s/.test(l))!;
    assert.ok(best, table.text().stdout);
    // the value sits under the test_acc header
    const at = header.indexOf('test_acc') + 'test_acc'.length;
    assert.equal(best.slice(at - 6, at), '0.8875');
  });

  it('openStudy (API, export) sees it in trials(), trial(n), best() and leaderboard()', async () => {
    const view = await openStudy('s', { db });
    try {
      assert.deepEqual((await view.trials()).map((t) => t.metrics!.testAccuracy), [undefined, undefined, 0.8875]);
      assert.equal((await view.trial(2))!.metrics!.testAccuracy, 0.8875);
      assert.equal((await view.trial(1))!.metrics!.testAccuracy, undefined);
      assert.equal(await view.trial(7), undefined);
      assert.equal((await view.best())!.metrics!.testLoss, 0.41);
      assert.equal((await view.leaderboard({ top: 1 }))[0]!.trial.metrics!.testAccuracy, 0.8875);
    } finally {
      await view.close();
    }
  });

  it('the report shows it too', async () => {
    const store = await SqliteStore.open(db);
    try {
      const data = await loadReportData(store, 's', { now: () => 0 });
      assert.equal(data.trials[2]!.metrics!.testAccuracy, 0.8875);
      assert.match(renderMarkdownReport(data), /\| 0\.8875 \|/);
    } finally {
      await store.close();
    }
  });
});
