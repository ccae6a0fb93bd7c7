import { resolve } from 'node:path';
import type { StudyDefinition } from './config.js';
import type { Evaluator } from './evaluator.js';
import type { EventBus, SearchFinishReason } from './events.js';
import type { Pruner } from './pruners.js';
import type { SearchSpace } from './space.js';
import type { NewWorker, Store } from './store.js';
import type { Strategy } from './strategy.js';
import type { Study, Trial, TrialState } from './types.js';
import { SparsenasError } from './errors.js';
import { GuardedStrategy } from './guarded-strategy.js';
import { NopPruner } from './pruners.js';
import { bestTrial } from './leaderboard.js';
import { withTestResults } from './test-results.js';
import { type RunMode, beginRun, endRun } from './study-lifecycle.js';
import { workerIdentity } from './worker-identity.js';
import { runWorker } from './worker-loop.js';
import { FaultInTrial, machineFault, machineFaultError } from './machine-faults.js';

/**
 * How long a worker or a lease may go without a heartbeat before another process presumes it
 * dead and redoes its trial. It must be much longer than the longest stretch a worker's event
 * loop is blocked by training (heartbeats are timers; the trainer yields between steps). For
 * the reference CNN (batch 128) an epoch with validation and saving weights blocked it at most
 * 0.8 s on the native and wasm backends (`npm run bench -- event-loop`: longest gap between two
 * firings of a 10 ms timer), so 60 s leaves a margin of ~75×. The pure-JS cpu backend takes
 * minutes per CNN step: raise the timeout there. A kill -9 on the same machine is noticed at
 * once anyway (the pid is gone).
 */
export const DEFAULT_STALE_AFTER_MS = 60_000;

export interface ProtocolTiming {
  /** A worker or lease without a heartbeat for this long is presumed dead (default 60 s). */
  staleAfterMs?: number;
  /** How often workers and leases send heartbeats (default staleAfterMs / 6). */
  heartbeatMs?: number;
  /** How long an idle worker waits before looking for work again (default min(1 s, heartbeatMs)). */
  pollMs?: number;
  /** The longest one strategy call may take; it runs inside the study's transaction (default min(30 s, staleAfterMs / 3)). */
  strategyTimeoutMs?: number;
  /** Presume a worker on this machine dead as soon as its pid is gone (default true). */
  checkPids?: boolean;
}

export interface RunnerOptions extends ProtocolTiming {
  store: Store;
  strategy: Strategy;
  /** Name shown in errors about the strategy (e.g. `evolution (./my-strategy.js)`). */
  strategyName?: string;
  /** Name shown in errors about the space (default `"<space.name>"`). */
  spaceName?: string;
  space: SearchSpace;
  evaluator: Evaluator;
  bus: EventBus;
  definition: StudyDefinition;
  studyName: string;
  /** Continue an existing study instead of creating one. */
  resume?: boolean;
  /** Take part in a study another process runs (`sparsenas worker`): no liveness check, the stored definition. */
  join?: boolean;
  /** With `resume`: take over although other workers look alive (you know they are dead). */
  force?: boolean;
  pruner?: Pruner;
  /** Aborting stops the search: the running trial is recorded as interrupted (and redone on resume). */
  signal?: AbortSignal;
  /** Clock for event timestamps (ms); stored timestamps come from the store's clock. */
  now?: () => number;
  /** Directory for per-trial artifacts (trained weights); none when undefined. */
  artifactsRoot?: string;
  /** This host's directory of the study's data files (a worker on another host); the files must match the study's checksums. */
  dataDir?: string;
  /** Give up after this many consecutive strategy failures in ask(). */
  maxConsecutiveAskFailures?: number;
  /** This process as a worker (default: hostname, pid and a random id). */
  worker?: NewWorker & { machine?: string };
}

export interface SearchOutcome {
  study: Study;
  trials: Trial[];
  /** The best completed trial by the first objective; its test accuracy is in `metrics.testAccuracy` once measured. */
  best?: Trial;
  reason: SearchFinishReason;
}

/**
 * One process's part in a study: the study lifecycle (`beginRun` / `endRun`) around the worker
 * loop (`runWorker`). `sparsenas search` and `resume` run it alone; `sparsenas worker` runs it
 * joined to a study other processes run too; the store's protocol keeps them from losing or
 * duplicating trials however they are killed.
 * Budgets: `maxTrials` counts trials that ended completed, pruned or failed (an interrupted trial
 * is redone: a waiting trial with its candidate and seed, attribute `redoOf`); the time limit
 * counts from the start of the run and stops starting trials (redos included), running ones
 * finish. Study state at the end: finished (after the test phase), stopped (abort), or
 * interrupted (an error; resumable). When nothing is left running, one worker measures the best
 * `testTopK` trials on the test split (see `testBestTrials`) before the study is finished.
 */
export async function runSearch(opts: RunnerOptions): Promise<SearchOutcome> {
  const now = opts.now ?? Date.now;
  const { store, space, evaluator, bus } = opts;
  const timing = protocolTiming(opts);
  const identity = opts.worker ?? workerIdentity();
  const me = { ...identity, machine: identity.machine ?? workerIdentity().machine, ...(opts.artifactsRoot ? { artifacts: resolve(opts.artifactsRoot) } : {}) };
  const liveness = { staleAfterMs: timing.staleAfterMs, machine: me.machine, checkPids: timing.checkPids };
  const mode: RunMode = opts.join ? 'join' : opts.resume ? 'resume' : 'create';
  const strategyName = opts.strategyName ?? opts.definition.strategy.name;
  const strategy = new GuardedStrategy(opts.strategy, { name: strategyName, timeoutMs: timing.strategyTimeoutMs, signal: opts.signal, studyName: opts.studyName });
  const log = (level: 'info' | 'warn', message: string) => bus.publish({ type: 'search.log', at: now(), level, message });

  const begun = await beginRun({
    store, studyName: opts.studyName, definition: opts.definition, mode, force: opts.force, me, liveness,
    // --data-dir: where this host keeps the study's files (checked against the study's sha256).
    prepare: (d) => evaluator.prepare(opts.dataDir ? { ...d, dataset: { ...d.dataset, dataDir: opts.dataDir } } : d),
    beforeWrite: (info, d) => strategy.init({ space, seed: d.seed, options: d.strategy.options, definition: d, dataset: info.dataset,
      trainingMethods: [...(info.trainingMethods ?? [])] }),
    log: (m) => log('warn', m),
  }).catch((err) => {
    const fault = machineFault(err);
    throw fault ? machineFaultError(fault, { study: opts.studyName, recorded: 'start', fallbackPath: storeFile(store) }, err) : err;
  });
  const { definition, info } = begun;
  let study = begun.study;
  bus.publish({ type: 'search.started', at: now(), study, backend: info.backend, backendReason: info.reason, resumed: mode !== 'create',
    dataset: info.dataset, maxTrials: definition.budget.maxTrials, timeLimitMinutes: definition.budget.timeLimitMinutes,
    completedBefore: begun.completedBefore });
  const onStop = () => bus.publish({ type: 'search.stopping', at: now(), reason: 'stopped' });
  opts.signal?.addEventListener('abort', onStop, { once: true });
  let reason: SearchFinishReason | undefined;
  try {
    reason = await runWorker({
      store, study, definition, strategy, strategyName, space, spaceName: opts.spaceName ?? `"${space.name}"`, evaluator, info, bus,
      pruner: opts.pruner ?? new NopPruner(), me, liveness, signal: opts.signal, now, artifactsRoot: opts.artifactsRoot,
      heartbeatMs: timing.heartbeatMs, pollMs: timing.pollMs, maxConsecutiveAskFailures: opts.maxConsecutiveAskFailures ?? 3,
    });
  } catch (err) {
    const recorded = await endRun({ store, study, me, liveness }, undefined, err);
    // Disk full (weights, the database): the machine's fault, not the candidate's. The trial it
    // hit is interrupted, not failed, and redone on resume; the message says where and what to do.
    const fault = machineFault(err);
    if (fault) {
      throw machineFaultError(fault, { study: study.name, trial: err instanceof FaultInTrial ? err.trial : undefined, recorded,
        fallbackPath: storeFile(store) }, err);
    }
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onStop);
  }
  await endRun({ store, study, me, liveness }, reason);

  study = (await store.getStudy(study.name))!;
  const trials = await store.getTrials(study.id);
  // `best` shows its test-split result (study.testResults) as metrics.testAccuracy/testLoss, as openStudy does.
  const best = bestTrial(withTestResults(trials, study.testResults), definition.objectives[0]!);
  bus.publish({ type: 'search.finished', at: now(), study, reason, best, counts: countStates(trials) });
  return { study, trials, best, reason };
}

/** "the database FILE" of a SQLite store, for messages about what could not be written. */
function storeFile(store: Store): string | undefined {
  const file = (store as { file?: unknown }).file;
  return typeof file === 'string' ? `the database ${file}` : undefined;
}

export function countStates(trials: readonly Trial[]): Record<TrialState, number> {
  const counts: Record<TrialState, number> = { waiting: 0, running: 0, completed: 0, pruned: 0, failed: 0, interrupted: 0 };
  for (const t of trials) counts[t.state]++;
  return counts;
}

/** The protocol's timing with its defaults, checked against each other. */
export function protocolTiming(o: ProtocolTiming): Required<ProtocolTiming> {
  const staleAfterMs = o.staleAfterMs ?? DEFAULT_STALE_AFTER_MS;
  const heartbeatMs = o.heartbeatMs ?? staleAfterMs / 6;
  const t = {
    staleAfterMs, heartbeatMs, pollMs: o.pollMs ?? Math.min(1000, heartbeatMs),
    strategyTimeoutMs: o.strategyTimeoutMs ?? Math.min(30_000, staleAfterMs / 3), checkPids: o.checkPids ?? true,
  };
  if (!(staleAfterMs > 0 && heartbeatMs > 0 && heartbeatMs * 2 <= staleAfterMs)) {
    throw new SparsenasError('TIMING_INVALID', `the heartbeat (${heartbeatMs} ms) must be at most half the stale timeout (${staleAfterMs} ms), or a live worker could be presumed dead; raise the stale timeout`);
  }
  if (!(t.strategyTimeoutMs > 0 && t.strategyTimeoutMs < staleAfterMs)) {
    throw new SparsenasError('TIMING_INVALID', `the strategy timeout (${t.strategyTimeoutMs} ms) must be shorter than the stale timeout (${staleAfterMs} ms): a strategy call holds the study's lock, which stops other workers' heartbeats`);
  }
  return t;
}
