import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatLeaderboard, selectLeaderboard } from '../../../cli/leaderboard/index.js';
import { main } from '../../../cli/main.js';
import { search } from '../../../cli/api.js';
import { createContainer } from '../../../cli/container.js';
import { EvaluatorFactory } from '../../../search/index.js';
import { fakeEvaluatorFactory } from '../fake-evaluator.js';
import { captureIo } from '../capture-io.js';
import { fakeStudy, metrics, trial } from '../fake-study.js';

const { trials } = fakeStudy();
const numbers = (q: Parameters<typeof selectLeaderboard>[1]) => selectLeaderboard(trials, q).map((e) => e.trial.number);

test('--where and --sort accept the column names the table shows, as well as the metric keys', () => {
  assert.deepEqual(numbers({ where: 'val_acc>0.8' }), numbers({ where: 'valAccuracy>0.8' }));
  assert.deepEqual(numbers({ where: 'val_acc>0.8' }), [5, 1, 0]);
  assert.deepEqual(numbers({ where: 'nonzeros<100000' }), numbers({ where: 'nonZeros<100000' }));
  assert.deepEqual(numbers({ where: 'nonzeros<100000' }), [0, 2]);
  assert.deepEqual(numbers({ sort: 'sparse_flops' }), numbers({ sort: 'sparseFlops' }));
  assert.deepEqual(numbers({ sort: 'sparse_flops' }), [0, 2, 1, 5]);
  // time is shown (and filtered) in seconds; every fake trial trained 12.3 s
  assert.equal(numbers({ where: 'time<13' }).length, 4);
  assert.equal(numbers({ where: 'time<12' }).length, 0);
  // a column name as sort key adds no extra column
  const header = formatLeaderboard(trials, { sort: 'val_acc' }).split('\n')[0]!;
  assert.doesNotMatch(header, /val_acc.*val_acc/);
});

test('an unknown metric in --where or --sort is rejected with the list of known ones', () => {
  for (const q of [{ where: 'foo>1' }, { sort: 'bogus' }, { where: [{ metric: 'nope', op: '>' as const, value: 1 }] }]) {
    assert.throws(() => selectLeaderboard(trials, q), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'UNKNOWN_METRIC');
      assert.match(err.message, /unknown metric "(foo|bogus|nope)"/);
      assert.match(err.message, /val_acc \(valAccuracy\)/);
      assert.match(err.message, /nonzeros \(nonZeros\)/);
      return true;
    });
  }
  // extra metrics that the trials report stay accepted, with or without the prefix
  const withExtra = [trial(0, { metrics: metrics(0.8, 1, { extra: { nodeSparsity: 0.5 } }) })];
  assert.equal(selectLeaderboard(withExtra, { sort: 'extra.nodeSparsity' }).length, 1);
  assert.equal(selectLeaderboard(withExtra, { where: 'nodeSparsity>=0.5' }).length, 1);
  assert.throws(() => selectLeaderboard(withExtra, { sort: 'nodeSparsty' }), /extra metrics of these trials: extra\.nodeSparsity/);
});

test('csv: the time column carries its unit (train_time_s, in seconds)', () => {
  const csv = formatLeaderboard([trial(0, { metrics: metrics(0.5, 10) })], { format: 'csv' }).split('\r\n');
  const header = csv[0]!.split(',');
  const i = header.indexOf('train_time_s');
  assert.ok(i >= 0, csv[0]);
  assert.equal(csv[1]!.split(',')[i], '12.3');
});

test('cli: column names filter; an unknown metric exits 2 naming the known ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sparsenas-names-'));
  const container = await createContainer();
  container.bind(EvaluatorFactory).toConstantValue(fakeEvaluatorFactory);
  await search({ evaluator: { name: 'fake' }, budget: { maxTrials: 3 }, seed: 3 }, { db: join(dir, 'sparsenas.db'), study: 's', container });
  const ok = captureIo(dir);
  assert.equal(await main(['leaderboard', '--where', 'val_acc>=0', '--sort', 'nonzeros', '--format', 'json'], ok.io), 0, ok.text().stderr);
  assert.equal((JSON.parse(ok.text().stdout) as unknown[]).length, 3);
  for (const args of [['--where', 'foo>1'], ['--sort', 'bogus']]) {
    const bad = captureIo(dir);
    assert.equal(await main(['leaderboard', ...args], bad.io), 2);
    assert.match(bad.text().stderr, /unknown metric "(foo|bogus)".*known: val_acc \(valAccuracy\)/);
  }
});
