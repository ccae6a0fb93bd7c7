import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialSearchState, reduceSearchState, selectProgress, type DashboardAction, type SearchState } from '../../../cli/ui/index.js';
import type { SearchEvent } from '../../../search/index.js';
import { fakeStudy } from '../fake-study.js';
import { epochsOf, searchStarted, trialFinished, trialStarted, wholeSearch } from '../scripted-events.js';

const reduce = (events: DashboardAction[], state: SearchState = initialSearchState({ topN: 3 })) => events.reduce(reduceSearchState, state);
const { study, trials } = fakeStudy();

test('the reducer is pure: the input state is never mutated', () => {
  const before = reduce([searchStarted(study), trialStarted(trials[0]!)]);
  const frozen = JSON.stringify(before);
  reduce([...epochsOf(trials[0]!, 2), trialFinished(trials[0]!)], before);
  assert.equal(JSON.stringify(before), frozen);
});

test('a running trial collects its epochs and leaves the live region when it finishes', () => {
  let s = reduce([searchStarted(study), trialStarted(trials[0]!), ...epochsOf(trials[0]!, 2)]);
  assert.equal(s.phase, 'running');
  assert.equal(s.running.length, 1);
  assert.deepEqual(s.running[0]!.epochs.map((e) => e.epoch), [1, 2]);
  s = reduceSearchState(s, trialFinished(trials[0]!));
  assert.equal(s.running.length, 0);
  assert.deepEqual(s.staticItems.map((i) => i.kind === 'trial' && i.trial.number), [0]);
  assert.equal(s.counts.completed, 1);
});

test('the leaderboard keeps the top N completed trials, best first; best so far follows it', () => {
  const s = reduce(wholeSearch());
  assert.deepEqual(s.leaderboard.map((t) => t.number), [5, 1, 0]);
  assert.equal(s.best?.number, 5);
  assert.deepEqual(s.counts, { waiting: 0, running: 0, completed: 4, pruned: 1, failed: 1, interrupted: 0 });
  assert.equal(s.phase, 'finished');
  assert.equal(s.finish?.reason, 'max-trials');
  const mid = reduce(wholeSearch().slice(0, 1 + 5 * 2));
  assert.deepEqual(mid.leaderboard.map((t) => t.number), [1, 0]);
});

test('a minimised objective ranks the other way', () => {
  const minStudy = { ...study, definition: { ...study.definition, objectives: [{ metric: 'sparseFlops', direction: 'minimize' as const }] } };
  const events = trials.flatMap((t) => [trialStarted(t), trialFinished(t)]);
  const s = reduce([searchStarted(minStudy), ...events]);
  assert.deepEqual(s.leaderboard.map((t) => t.number), [0, 2, 1]);
});

test('warnings and errors scroll above; info logs do not', () => {
  const s = reduce([searchStarted(study),
    { type: 'search.log', at: 1, level: 'info', message: 'hello' },
    { type: 'search.log', at: 2, level: 'error', message: 'strategy threw in tell()' }]);
  assert.deepEqual(s.staticItems.map((i) => i.kind === 'log' && i.message), ['strategy threw in tell()']);
});

test('stop request and search.stopping put the view in the stopping phase, once', () => {
  let s = reduce([searchStarted(study), trialStarted(trials[0]!)]);
  s = reduceSearchState(s, { type: 'stop.requested', at: 1_000_100 });
  assert.equal(s.phase, 'stopping');
  assert.equal(s.stopRequested, true);
  assert.equal(reduceSearchState(s, { type: 'stop.requested', at: 1_000_200 }), s);
  s = reduceSearchState(s, { type: 'search.stopping', at: 1_000_300, reason: 'stopped' });
  assert.equal(s.stopReason, 'stopped');
});

test('progress: done counts budgeted trials incl. earlier runs; ETA extrapolates this run and respects the time limit', () => {
  const started = { ...searchStarted(study, 0), maxTrials: 10, completedBefore: 2 } as SearchEvent;
  let s = reduce([started, trialStarted({ ...trials[0]!, startedAt: 0 }), trialFinished({ ...trials[0]!, finishedAt: 60_000 })]);
  let p = selectProgress(s);
  assert.equal(p.done, 3);
  assert.equal(p.total, 10);
  assert.equal(p.fraction, 0.3);
  assert.equal(p.elapsedMs, 60_000);
  assert.equal(p.etaMs, 7 * 60_000); // one trial per minute this run, 7 left
  s = reduceSearchState(s, { type: 'clock.ticked', at: 90_000 });
  assert.equal(selectProgress(s).elapsedMs, 90_000);
  const limited = reduce([{ ...searchStarted(study, 0), maxTrials: undefined, timeLimitMinutes: 2 } as SearchEvent,
    { type: 'clock.ticked', at: 30_000 }]);
  p = selectProgress(limited);
  assert.equal(p.fraction, 0.25);
  assert.equal(p.etaMs, 90_000);
});

test('on resume, earlier trials seed the leaderboard and best, ranked by the study objective', () => {
  const [t0, t1, t2, , t4, t5] = trials;
  let s = reduce([searchStarted(study)], initialSearchState({ topN: 2, previousTrials: [t0!, t2!, t4!] }));
  assert.deepEqual(s.leaderboard.map((t) => t.number), [0, 2]);
  assert.equal(s.best?.number, 0);
  s = reduce([trialStarted(t1!), trialFinished(t1!), trialStarted(t5!), trialFinished(t5!)], s);
  assert.deepEqual(s.leaderboard.map((t) => t.number), [5, 1]);
});
