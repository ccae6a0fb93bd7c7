import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filter } from 'rxjs';
import { namedEvaluator } from '../../cli/plugin-evaluator.js';
import { createContainer } from '../../cli/container.js';
import { search } from '../../cli/api.js';
import { earlierTrials } from '../../cli/commands/search.js';
import { EvaluatorFactory } from '../../search/index.js';
import type { Evaluator, TestRequest } from '../../search/index.js';
import { FakeEvaluator, fakeEvaluatorFactory } from './fake-evaluator.js';

test('a plugin evaluator keeps evaluateTest, and its throw there names the plugin and the method', async () => {
  const calls: number[] = [];
  const plugin: Evaluator = Object.assign(new FakeEvaluator(), {
    async evaluateTest(r: TestRequest) {
      calls.push(r.trialNumber);
      if (r.trialNumber === 2) throw new Error('no weights');
      return { testAccuracy: 0.5, testLoss: 0.7 };
    },
  });
  const wrapped = namedEvaluator(plugin, 'my-plugin');
  assert.equal(typeof wrapped.evaluateTest, 'function', 'the test phase skips an evaluator without evaluateTest');
  assert.deepEqual(await wrapped.evaluateTest!({ trialNumber: 1 } as TestRequest), { testAccuracy: 0.5, testLoss: 0.7 });
  await assert.rejects(wrapped.evaluateTest!({ trialNumber: 2 } as TestRequest), /evaluator my-plugin threw in evaluateTest\(\): .*no weights/);
  assert.deepEqual(calls, [1, 2]);
  // One without it stays without it (the test phase then says so instead of calling it).
  assert.equal(namedEvaluator(new FakeEvaluator(), 'bare').evaluateTest, undefined);
});

test('a throwing subscriber of SearchRun.events$ (direct or piped) is reported and neither the search nor the process stops', async () => {
  const container = await createContainer();
  container.bind(EvaluatorFactory).toConstantValue(fakeEvaluatorFactory);
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => { uncaught.push(e); };
  process.on('uncaughtException', onUncaught);
  const written: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    if (String(chunk).includes('an event listener failed')) { written.push(String(chunk)); return true; }
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    const run = search({ evaluator: { name: 'fake' }, budget: { maxTrials: 3 }, seed: 1 }, { db: ':memory:', study: 'throwing-listener', container });
    const seen: string[] = [];
    run.events$.subscribe(() => { throw new Error('listener bug'); });
    run.events$.pipe(filter((e) => e.type === 'trial.finished')).subscribe({ next: () => { throw new Error('piped listener bug'); } });
    run.events$.subscribe((e) => seen.push(e.type));
    const outcome = await run;
    await new Promise((r) => setTimeout(r, 50)); // rxjs rethrows a listener's error on a timer
    assert.equal(outcome.reason, 'max-trials');
    assert.equal(seen.filter((t) => t === 'trial.finished').length, 3, 'the other listeners get every event');
    assert.deepEqual(uncaught, [], 'a listener error must not become an uncaught exception');
    assert.ok(written.some((w) => /failed on search\.started: Error: listener bug/.test(w)), written.join(''));
    assert.ok(written.some((w) => /failed on trial\.finished: Error: piped listener bug/.test(w)), written.join(''));
  } finally {
    process.stderr.write = write;
    process.off('uncaughtException', onUncaught);
  }
});

test('resume: the dashboard gets the study\'s earlier trials (earlierTrials reads them before the run starts)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sparsenas-earlier-'));
  const db = join(dir, 'sparsenas.db');
  const container = await createContainer();
  container.bind(EvaluatorFactory).toConstantValue(fakeEvaluatorFactory);
  await search({ evaluator: { name: 'fake' }, budget: { maxTrials: 3 }, seed: 2 }, { db, study: 'earlier', container });
  const trials = await earlierTrials('earlier', db);
  assert.deepEqual(trials.map((t) => [t.number, t.state]), [[0, 'completed'], [1, 'completed'], [2, 'completed']]);
  assert.deepEqual(await earlierTrials('no-such-study', db), []);
});
