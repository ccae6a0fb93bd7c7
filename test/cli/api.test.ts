import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifactsDirFor, resume, search } from '../../cli/api.js';
import { createContainer } from '../../cli/container.js';
import { leaderboard, listStudies, openStudy } from '../../cli/query.js';
import { EvaluatorFactory, metricValue } from '../../search/index.js';
import type { EvaluationRequest, TrialReporter } from '../../search/index.js';
import { FakeEvaluator } from './fake-evaluator.js';

/** The fake evaluator, remembering where the runner asked it to save each trial's weights. */
class RecordingEvaluator extends FakeEvaluator {
  static dirs: (string | undefined)[] = [];
  override evaluate(req: EvaluationRequest, reporter: TrialReporter) {
    RecordingEvaluator.dirs.push(req.artifactDir);
    return super.evaluate(req, reporter);
  }
}

async function fakeContainer() {
  const c = await createContainer();
  c.bind(EvaluatorFactory).toConstantValue({ name: 'fake', description: 'test double', create: () => new RecordingEvaluator() });
  return c;
}

describe('programmatic API: queries', () => {
  let dir: string;
  let db: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sparsenas-api-'));
    db = join(dir, 'runs.db');
    await search({ evaluator: { name: 'fake' }, budget: { maxTrials: 6 }, seed: 1 }, { db, study: 'first', container: await fakeContainer() });
    await search({ evaluator: { name: 'fake' }, budget: { maxTrials: 3 }, seed: 2 }, { db, study: 'second', container: await fakeContainer() });
  });

  it('ranks a study like `sparsenas leaderboard`, with filters and top', async () => {
    const all = await leaderboard('first', { db });
    assert.equal(all.length, 6);
    const acc = all.map((e) => e.trial.metrics!.valAccuracy);
    assert.deepEqual(acc, [...acc].sort((a, b) => b - a));
    const median = acc[3]!;
    const top = await leaderboard('first', { db, where: `valAccuracy>=${median}`, top: 2 });
    assert.deepEqual(top.map((e) => e.rank), [1, 2]);
    assert.deepEqual(top.map((e) => e.trial.number), all.slice(0, 2).map((e) => e.trial.number));
  });

  it('opens the latest study by default and reads trials, curves and the best', async () => {
    assert.deepEqual((await listStudies({ db })).map((s) => s.name), ['first', 'second']);
    const s = await openStudy(undefined, { db });
    try {
      assert.equal(s.study.name, 'second');
      const trials = await s.trials();
      const best = (await s.best())!;
      assert.equal(metricValue(best, 'valAccuracy'), Math.max(...trials.map((t) => t.metrics!.valAccuracy)));
      assert.equal((await s.epochs(best.number)).length, s.study.definition.training.epochs);
      await assert.rejects(s.epochs(99), /has no trial 99/);
    } finally {
      await s.close();
    }
  });

  it('never creates a database when reading or resuming', async () => {
    const missing = join(dir, 'typo.db');
    await assert.rejects(openStudy('first', { db: missing }), (e: { code?: string }) => e.code === 'DB_NOT_FOUND');
    await assert.rejects(resume('first', { db: missing }), (e: { code?: string }) => e.code === 'DB_NOT_FOUND');
    await assert.rejects(openStudy('nope', { db }), /no study "nope"/);
    assert.equal(existsSync(missing), false);
  });

  it('saves trial weights beside the database, also after a resume', async () => {
    RecordingEvaluator.dirs = [];
    await search({ evaluator: { name: 'fake' }, budget: { maxTrials: 1 } }, { db, study: 'w', container: await fakeContainer() });
    await resume('w', { db, budget: { maxTrials: 2 }, container: await fakeContainer() });
    assert.deepEqual(RecordingEvaluator.dirs, [join(dir, 'runs.artifacts', 'w', 'trial-0'), join(dir, 'runs.artifacts', 'w', 'trial-1')]);
  });

  it('resume --trials N raises the budget and keeps the time limit (stored for every worker)', async () => {
    // 40 ms per trial against a 0.15 s limit: a few trials, never the 1000 asked for.
    class Slow extends FakeEvaluator {
      override async evaluate(req: EvaluationRequest, reporter: TrialReporter) {
        await new Promise((r) => setTimeout(r, 40));
        return super.evaluate(req, reporter);
      }
    }
    const slow = async () => {
      const c = await createContainer();
      c.bind(EvaluatorFactory).toConstantValue({ name: 'fake', description: 'test double', create: () => new Slow() });
      return c;
    };
    await search({ evaluator: { name: 'fake' }, budget: { maxTrials: 2, timeLimitMinutes: 0.0025 } }, { db, study: 'limited', container: await slow() });
    const out = await resume('limited', { db, budget: { maxTrials: 1000 }, container: await slow() });
    assert.equal(out.reason, 'time-limit');
    assert.ok(out.trials.length < 20, `${out.trials.length} trials`);
    assert.deepEqual(out.study.definition.budget, { maxTrials: 1000, timeLimitMinutes: 0.0025 });
  });

  it('keeps every study in one directory level, whatever its name', () => {
    assert.equal(artifactsDirFor(db, 'a/../../b'), join(dir, 'runs.artifacts', 'a%2F..%2F..%2Fb'));
    assert.equal(artifactsDirFor(db, '..'), join(dir, 'runs.artifacts', '%2E%2E'));
    assert.equal(artifactsDirFor(':memory:', 'x'), undefined);
  });
});
