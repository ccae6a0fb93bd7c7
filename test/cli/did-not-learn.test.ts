import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createContainer } from '../../cli/container.js';
import { search } from '../../cli/api.js';
import { JsonReporter, PlainReporter } from '../../cli/reporters/index.js';
import { formatLeaderboard } from '../../cli/leaderboard/format-leaderboard.js';
import { EvaluatorFactory, endedAtChance } from '../../search/index.js';
import type { EvaluationRequest, Metrics, TrialReporter } from '../../search/index.js';
import { FakeEvaluator } from './fake-evaluator.js';

/** Trial 1 trains at chance on a 10-class dataset (val_acc 0.1, loss ln 10); the others learn. */
class ChanceEvaluator extends FakeEvaluator {
  override async prepare() {
    return { ...(await super.prepare()), dataset: { name: 'ten', train: 10, validation: 10, test: 10, shape: [4], classes: 10 } };
  }
  override async evaluate(req: EvaluationRequest, reporter: TrialReporter): Promise<Metrics> {
    const m = await super.evaluate(req, reporter);
    return req.trialNumber === 1 ? { ...m, valAccuracy: 0.1, valLoss: Math.log(10) } : { ...m, valAccuracy: 0.8, valLoss: 0.5 };
  }
}

test('endedAtChance: accuracy about 1/classes and loss about ln(classes)', () => {
  assert.equal(endedAtChance({ valAccuracy: 0.1, valLoss: 2.3026 }, 10), true);
  assert.equal(endedAtChance({ valAccuracy: 0.1, valLoss: 1.2 }, 10), false, 'a low-loss network is learning');
  assert.equal(endedAtChance({ valAccuracy: 0.5, valLoss: 2.4 }, 10), false);
  assert.equal(endedAtChance({ valAccuracy: 0.5, valLoss: 0.69 }, 2), true);
});

test('a trial that ends at chance is flagged "did not learn" in NDJSON, plain lines and the leaderboard', async () => {
  const container = await createContainer();
  container.bind(EvaluatorFactory).toConstantValue({ name: 'chance', description: 'test double', create: () => new ChanceEvaluator() });
  const run = search({ evaluator: { name: 'chance' }, budget: { maxTrials: 3 }, seed: 1 }, { db: ':memory:', study: 'chance', container });
  let ndjson = '', plain = '';
  const j = new JsonReporter().attach(run.events$, { out: { write: (c: string) => (ndjson += c) }, err: { write: () => true } });
  const p = new PlainReporter().attach(run.events$, { out: { write: (c: string) => (plain += c) }, err: { write: (c: string) => (plain += c) } });
  await run;
  await Promise.all([j.done, p.done]);
  const finished = ndjson.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'trial.finished');
  assert.deepEqual(finished.map((e) => [e.trial.number, e.trial.metrics.didNotLearn ?? false]), [[0, false], [1, true], [2, false]]);
  assert.match(plain, /trial 1 completed .*did not learn/);
  assert.doesNotMatch(plain.split('\n').filter((l) => /trial [02] completed/.test(l)).join('\n'), /did not learn/);
  const trials = finished.map((e) => e.trial);
  assert.match(formatLeaderboard(trials, { maxWidth: 400 }).split('\n').find((l) => /^\s*\d+\s+1\s/.test(l)) ?? '', /did not learn/);
});
