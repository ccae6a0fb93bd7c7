import { Observable } from 'rxjs';
import type { SearchEvent } from './events.js';
import type { Store } from './store.js';
import type { Study, Trial, TrialState } from './types.js';
import { FINISHED_STATES } from './types.js';
import { SparsenasError } from './errors.js';
import { bestTrial } from './leaderboard.js';

export interface PollOptions {
  /** Between two reads of the store (default 1000 ms). */
  intervalMs?: number;
  /** Aborting ends the stream (without `search.finished`). */
  signal?: AbortSignal;
  /** Injected clock for the events' `at`. */
  now?: () => number;
  /**
   * Trials the caller already shows (the dashboard's `previousTrials`): those finished are
   * counted in `completedBefore` and not reported again.
   */
  known?: readonly Trial[];
}

/**
 * A study's progress as the search's own events, read from the store by polling: the
 * dashboard then shows a study that workers on other hosts are running, as if it ran here.
 * Only reads (study, trials, the epochs of running trials), each a snapshot; it takes no lock
 * and writes nothing, so watching never slows or changes the search. The first read reports
 * `search.started`, then every trial that finished and is not in `known`, and the running
 * trials with their epochs so far; later reads report what changed. The stream ends with
 * `search.finished` once the study is no longer running and nothing runs or waits.
 */
export function pollStudy(store: Store, name: string, options: PollOptions = {}): Observable<SearchEvent> {
  const intervalMs = options.intervalMs ?? 1000;
  const now = options.now ?? Date.now;
  return new Observable<SearchEvent>((subscriber) => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const seen = new Map<number, { state: TrialState; epochs: number }>();
    const known = (options.known ?? []).filter((t) => FINISHED_STATES.includes(t.state));
    for (const t of known) seen.set(t.id, { state: t.state, epochs: 0 });
    let tested = new Set<string>();
    let first = true;

    const tick = async () => {
      const study = await store.getStudy(name);
      if (!study) throw new SparsenasError('STUDY_NOT_FOUND', `no study "${name}" in this database (deleted or renamed while watching?); \`sparsenas list studies\` shows them`);
      const trials = await store.getTrials(study.id);
      const emit = (e: SearchEvent) => { if (!stopped) subscriber.next(e); };
      const totalEpochs = (t: Trial) => t.training?.epochs ?? study.definition.training.epochs;
      if (first) {
        first = false;
        emit({
          type: 'search.started', at: now(), study, backend: study.backend ?? 'unknown', backendReason: 'read from the store',
          resumed: trials.length > 0, maxTrials: study.definition.budget.maxTrials, timeLimitMinutes: study.definition.budget.timeLimitMinutes,
          completedBefore: known.filter((t) => COUNTED.includes(t.state)).length,
        });
      }
      for (const t of trials) {
        const before = seen.get(t.id);
        if (t.state === 'running') {
          if (!before || before.state !== 'running') {
            emit({ type: 'trial.started', at: now(), trial: t, totalEpochs: totalEpochs(t) });
            seen.set(t.id, { state: 'running', epochs: 0 });
          }
          const entry = seen.get(t.id)!;
          const epochs = await store.getEpochs(t.id);
          for (const m of epochs.slice(entry.epochs)) {
            emit({ type: 'trial.epochEnded', at: now(), trialId: t.id, trialNumber: t.number, totalEpochs: totalEpochs(t), metrics: m });
          }
          entry.epochs = epochs.length;
        } else if (FINISHED_STATES.includes(t.state) && before?.state !== t.state) {
          emit({ type: 'trial.finished', at: now(), trial: t });
          seen.set(t.id, { state: t.state, epochs: before?.epochs ?? 0 });
        } else if (!before) {
          seen.set(t.id, { state: t.state, epochs: 0 });
        }
      }
      const results = study.testResults ?? {};
      const nowTested = new Set(Object.keys(results));
      for (const k of nowTested) {
        if (!tested.has(k)) {
          const r = results[Number(k)]!;
          emit({ type: 'trial.tested', at: now(), trialNumber: Number(k), testAccuracy: r.testAccuracy, testLoss: r.testLoss });
        }
      }
      tested = nowTested;
      if (isOver(study, trials)) {
        const counts = Object.fromEntries(['waiting', 'running', ...FINISHED_STATES].map((s) => [s, 0])) as Record<TrialState, number>;
        for (const t of trials) counts[t.state] = (counts[t.state] ?? 0) + 1;
        const reason = study.state === 'stopped' ? 'stopped' : 'exhausted';
        emit({ type: 'search.finished', at: now(), study, reason, best: bestTrial(trials, study.definition.objectives[0]!), counts });
        stop();
        subscriber.complete();
        return;
      }
      if (!stopped) timer = setTimeout(run, intervalMs);
    };
    const run = () => { tick().catch((err) => { stop(); subscriber.error(err); }); };
    const stop = () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
    const onAbort = () => { stop(); subscriber.complete(); };
    if (options.signal?.aborted) onAbort();
    else {
      options.signal?.addEventListener('abort', onAbort, { once: true });
      run();
    }
    return () => {
      stop();
      options.signal?.removeEventListener('abort', onAbort);
    };
  });
}

const COUNTED: readonly TrialState[] = ['completed', 'pruned', 'failed'];

/** A study no process works on any more: not running, nothing running or queued. */
function isOver(study: Study, trials: readonly Trial[]): boolean {
  return study.state !== 'running' && !trials.some((t) => t.state === 'running' || (t.state as string) === 'waiting');
}
