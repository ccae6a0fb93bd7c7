import type { SearchEvent, Study, Trial } from '../../search/index.js';
import { curve, fakeStudy } from './fake-study.js';

/** Events a real search would publish for `fakeStudy()`, built by hand so tests can replay any prefix. */
export function searchStarted(study: Study, at = 1_000_000): SearchEvent {
  return {
    type: 'search.started', at, study, backend: 'wasm', backendReason: 'tfjs-node is not installed; wasm is the fastest CPU backend',
    resumed: false, dataset: { name: 'fashion-mnist', train: 54_000, validation: 6_000, test: 10_000, shape: [28, 28, 1], classes: 10 },
    maxTrials: 6, completedBefore: 0,
  };
}

export function trialStarted(t: Trial, totalEpochs = 3): SearchEvent {
  const { metrics: _m, error: _e, finishedAt: _f, ...rest } = t;
  return { type: 'trial.started', at: t.startedAt, trial: { ...rest, state: 'running' }, totalEpochs };
}

export function epochsOf(t: Trial, count: number, totalEpochs = 3): SearchEvent[] {
  return curve(t.metrics?.valAccuracy ?? 0.5, totalEpochs).slice(0, count).map((m) => ({
    type: 'trial.epochEnded' as const, at: t.startedAt + m.elapsedMs, trialId: t.id, trialNumber: t.number, totalEpochs, metrics: m,
  }));
}

export function trialFinished(t: Trial): SearchEvent {
  return { type: 'trial.finished', at: t.finishedAt ?? t.startedAt, trial: t };
}

/** The whole search: every trial started, its epochs, finished; then search.finished. */
export function wholeSearch(): SearchEvent[] {
  const { study, trials } = fakeStudy();
  const events: SearchEvent[] = [searchStarted(study)];
  for (const t of trials) {
    events.push(trialStarted(t), ...(t.metrics ? epochsOf(t, 3) : []), trialFinished(t));
  }
  const counts = { waiting: 0, running: 0, completed: 4, pruned: 1, failed: 1, interrupted: 0 };
  events.push({ type: 'search.finished', at: 1_200_000, study, reason: 'max-trials', best: trials[5], counts });
  return events;
}
