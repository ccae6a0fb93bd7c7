import {
  rankTrials, type EpochMetrics, type EventOf, type Objective, type SearchEvent, type SearchFinishReason,
  type Study, type Trial, type TrialState,
} from '../../search/index.js';
import { describeTestResult } from '../format/index.js';

/** Actions the dashboard reduces: the search's events plus its own clock and stop key. */
export type DashboardAction =
  | SearchEvent
  | { type: 'clock.ticked'; at: number }
  | { type: 'stop.requested'; at: number };

export interface RunningTrial {
  trial: Trial;
  totalEpochs: number;
  startedAt: number;
  epochs: EpochMetrics[];
  /** The latest batch progress inside the current epoch (`trial.progress`). */
  batch?: { epoch: number; batch: number; batches: number };
}

/** What scrolls above the live region (ink `<Static>`): finished trials and warnings, in order. */
export type StaticItem =
  | { kind: 'trial'; key: string; trial: Trial }
  | { kind: 'log'; key: string; level: 'info' | 'warn' | 'error'; message: string };

export interface SearchState {
  phase: 'waiting' | 'running' | 'stopping' | 'finished';
  study?: Study;
  backend?: string;
  backendReason?: string;
  resumed: boolean;
  dataset?: EventOf<'search.started'>['dataset'];
  objective: Objective;
  startedAt?: number;
  now: number;
  maxTrials?: number;
  timeLimitMinutes?: number;
  /** Trials that counted toward the budget before this run (resume). */
  completedBefore: number;
  /** Trials finished in this run, by state. */
  counts: Record<TrialState, number>;
  running: RunningTrial[];
  staticItems: StaticItem[];
  best?: Trial;
  /** The best `topN` completed trials, best first. */
  leaderboard: Trial[];
  topN: number;
  /** Trials of earlier runs (resume), ranked into the leaderboard once the objective is known. */
  previousTrials: Trial[];
  stopRequested: boolean;
  stopReason?: SearchFinishReason;
  finish?: { reason: SearchFinishReason; counts: Record<TrialState, number> };
}

const ZERO_COUNTS: Record<TrialState, number> = { waiting: 0, running: 0, completed: 0, pruned: 0, failed: 0, interrupted: 0 };

export function initialSearchState(opts: { now?: number; topN?: number; previousTrials?: readonly Trial[] } = {}): SearchState {
  return {
    phase: 'waiting', resumed: false, objective: { metric: 'valAccuracy', direction: 'maximize' },
    now: opts.now ?? 0, completedBefore: 0, counts: { ...ZERO_COUNTS }, running: [], staticItems: [],
    leaderboard: [], topN: opts.topN ?? 5, previousTrials: [...(opts.previousTrials ?? [])], stopRequested: false,
  };
}

/** Pure: the next state after one action. Never mutates `state`. */
export function reduceSearchState(state: SearchState, action: DashboardAction): SearchState {
  const now = Math.max(state.now, action.at);
  switch (action.type) {
    case 'clock.ticked':
      return now === state.now ? state : { ...state, now };
    case 'stop.requested':
      return state.phase === 'finished' || state.stopRequested ? state : { ...state, now, stopRequested: true, phase: 'stopping' };
    case 'search.started': {
      const objective = action.study.definition.objectives?.[0] ?? state.objective;
      const leaderboard = rankTrials([...state.previousTrials, ...state.leaderboard], objective).slice(0, state.topN);
      return {
        ...state, now, phase: state.stopRequested ? 'stopping' : 'running', study: action.study, backend: action.backend,
        backendReason: action.backendReason, resumed: action.resumed, dataset: action.dataset,
        objective, leaderboard, best: leaderboard[0] ?? state.best, startedAt: action.at,
        maxTrials: action.maxTrials, timeLimitMinutes: action.timeLimitMinutes, completedBefore: action.completedBefore,
      };
    }
    case 'trial.started':
      return {
        ...state, now,
        running: [...state.running.filter((r) => r.trial.id !== action.trial.id),
          { trial: action.trial, totalEpochs: action.totalEpochs, startedAt: action.at, epochs: [] }],
      };
    case 'trial.epochEnded':
      return {
        ...state, now,
        running: state.running.map((r) => (r.trial.id === action.trialId
          ? { ...r, totalEpochs: action.totalEpochs, epochs: [...r.epochs, action.metrics], batch: undefined }
          : r)),
      };
    case 'trial.progress':
      return {
        ...state, now,
        running: state.running.map((r) => (r.trial.id === action.trialId
          ? { ...r, totalEpochs: action.totalEpochs, batch: { epoch: action.epoch, batch: action.batch, batches: action.batches } }
          : r)),
      };
    case 'trial.finished':
      return finishTrial({ ...state, now }, action.trial);
    case 'search.stopping':
      return { ...state, now, phase: state.phase === 'finished' ? 'finished' : 'stopping', stopReason: action.reason };
    case 'search.finished':
      return {
        ...state, now, phase: 'finished', study: action.study, running: [],
        best: action.best ?? state.best, finish: { reason: action.reason, counts: action.counts },
      };
    case 'search.log':
      if (action.level === 'info') return { ...state, now };
      return { ...state, now, staticItems: [...state.staticItems, { kind: 'log', key: `log-${state.staticItems.length}`, level: action.level, message: action.message }] };
    case 'trial.tested':
      return { ...state, now, staticItems: [...state.staticItems, { kind: 'log', key: `log-${state.staticItems.length}`, level: 'info', message: describeTestResult(action) }] };
    default:
      // An event this dashboard does not know (a newer runner) changes nothing.
      return state;
  }
}

function finishTrial(state: SearchState, trial: Trial): SearchState {
  const leaderboard = trial.state === 'completed'
    ? rankTrials([...state.leaderboard.filter((t) => t.id !== trial.id), trial], state.objective).slice(0, state.topN)
    : state.leaderboard;
  return {
    ...state,
    running: state.running.filter((r) => r.trial.id !== trial.id),
    counts: { ...state.counts, [trial.state]: state.counts[trial.state] + 1 },
    staticItems: [...state.staticItems, { kind: 'trial', key: `trial-${trial.id}-${state.staticItems.length}`, trial }],
    leaderboard,
    best: leaderboard[0] ?? state.best,
  };
}

export interface SearchProgress {
  /** Trials counted toward the budget (completed, pruned, failed), including earlier runs. */
  done: number;
  total?: number;
  /** 0..1 over trials, or over the time limit when there is no trial budget. */
  fraction?: number;
  elapsedMs: number;
  etaMs?: number;
}

/**
 * Progress and ETA. The ETA extrapolates this run's pace (budget-counted trials plus the
 * epoch fraction of running ones) and is capped by the time limit, which stops the search
 * asking for trials.
 */
export function selectProgress(state: SearchState): SearchProgress {
  const elapsedMs = state.startedAt === undefined ? 0 : Math.max(0, state.now - state.startedAt);
  const doneNow = state.counts.completed + state.counts.pruned + state.counts.failed;
  const done = state.completedBefore + doneNow;
  const limitMs = state.timeLimitMinutes !== undefined ? state.timeLimitMinutes * 60_000 : undefined;
  let fraction: number | undefined;
  let etaMs: number | undefined;
  if (state.maxTrials !== undefined) {
    fraction = Math.min(1, done / state.maxTrials);
    const partial = state.running.reduce((s, r) => s + (r.totalEpochs ? r.epochs.length / r.totalEpochs : 0), 0);
    const progressed = doneNow + partial;
    const remaining = Math.max(0, state.maxTrials - done - partial);
    if (progressed > 0) etaMs = (elapsedMs / progressed) * remaining;
  }
  if (limitMs !== undefined) {
    const left = Math.max(0, limitMs - elapsedMs);
    etaMs = etaMs === undefined ? left : Math.min(etaMs, left);
    if (fraction === undefined) fraction = Math.min(1, elapsedMs / limitMs);
  }
  if (state.phase === 'finished') etaMs = 0;
  return { done, total: state.maxTrials, fraction, elapsedMs, etaMs };
}
