import type { StudyDefinition } from './config.js';
import type { Evaluator, EvaluatorInfo } from './evaluator.js';
import type { EventBus, SearchFinishReason } from './events.js';
import type { Pruner } from './pruners.js';
import type { SearchSpace } from './space.js';
import type { NewWorker, Store } from './store.js';
import type { EpochMetrics, Study, Trial } from './types.js';
import type { GuardedStrategy } from './guarded-strategy.js';
import type { Liveness } from './worker-identity.js';
import { SparsenasError } from './errors.js';
import { WorkerPresumedDead } from './worker-presumed-dead.js';
import { StopRequested } from './guarded-strategy.js';
import { crashPoint } from './crash-points.js';
import { type DoneReason, nextStep } from './next-step.js';
import { executeTrial } from './trial-executor.js';
import { IdleWatch } from './idle-watch.js';
import { FaultInTrial, machineFault } from './machine-faults.js';
import { testBestTrials } from './test-phase.js';
import { INFEASIBLE_PREFIX, architectureViolation } from './constraints.js';

/** Everything one worker needs; `beginRun` (study-lifecycle.ts) builds it. */
export interface WorkerRun {
  store: Store;
  study: Study;
  definition: StudyDefinition;
  strategy: GuardedStrategy;
  strategyName: string;
  space: SearchSpace;
  spaceName: string;
  evaluator: Evaluator;
  /** What the evaluator said when it prepared (the training methods it trains). */
  info: EvaluatorInfo;
  bus: EventBus;
  pruner: Pruner;
  me: NewWorker;
  liveness: Liveness;
  /** Aborting stops the worker: its running trial ends interrupted (redone later). */
  signal?: AbortSignal;
  /** Event timestamps. */
  now: () => number;
  artifactsRoot?: string;
  heartbeatMs: number;
  /** How long an idle worker waits before looking again. */
  pollMs: number;
  maxConsecutiveAskFailures: number;
}

/**
 * The short loop every worker runs, the single-process search included:
 * decide (one transaction: tell, claim or ask) → evaluate (outside any transaction, fenced) →
 * report (one fenced write), until the study is done, the worker is stopped, or something fails.
 * Returns why it ended; throws what it cannot handle (a broken strategy, a failing store).
 */
export async function runWorker(r: WorkerRun): Promise<SearchFinishReason> {
  const dead = new AbortController();
  const stop = r.signal ? AbortSignal.any([r.signal, dead.signal]) : dead.signal;
  const beat = setInterval(() => {
    r.store.workerHeartbeat(r.me.id).then((alive) => { if (!alive) dead.abort(); }, () => {});
  }, r.heartbeatMs);
  beat.unref?.();
  const log = (level: 'info' | 'warn' | 'error', message: string) => r.bus.publish({ type: 'search.log', at: r.now(), level, message });
  const curves = new Map<number, EpochMetrics[]>();
  const watch = new IdleWatch(r.store, r.study, r.liveness);
  const context = { definition: r.definition, strategy: r.strategy, strategyName: r.strategyName, space: r.space, spaceName: r.spaceName, me: r.me.id, liveness: r.liveness, info: r.info };
  let askFailures = 0;
  let lostConnections = 0;
  let lastWait = '';
  let lastReason: DoneReason = 'max-trials';
  try {
    for (;;) {
      if (dead.signal.aborted) throw new WorkerPresumedDead(r.me.id);
      if (r.signal?.aborted) return 'stopped';
      let step;
      try {
        step = await r.store.transact(r.study.id, (tx) => nextStep(tx, context));
      } catch (err) {
        // Rolled back: the strategy instance may be ahead of the stored snapshot.
        r.strategy.forget();
        if (err instanceof StopRequested) continue;
        // A server connection cut inside the step (PostgreSQL): nothing of it was stored, or (lost
        // during COMMIT) its trial is leased to this worker, which forgets it, so it goes stale and
        // is redone once. Either way the step is simply taken again, from what the store holds.
        if (isLostConnection(err) && ++lostConnections <= 5) {
          log('warn', `${(err as Error).message}; taking the step again`);
          continue;
        }
        throw err;
      }
      lostConnections = 0;
      for (const message of step.logs) log('info', message);
      switch (step.kind) {
        case 'evaluate': {
          crashPoint('claimed');
          if (step.asked) askFailures = 0;
          await evaluate(step.trial, step.trials);
          break;
        }
        case 'failed': {
          r.bus.publish({ type: 'trial.started', at: r.now(), trial: step.trial, totalEpochs: { ...r.definition.training, ...(step.trial.training ?? {}) }.epochs });
          r.bus.publish({ type: 'trial.finished', at: r.now(), trial: step.trial });
          if (!step.askFailed) { askFailures = 0; break; }
          if (++askFailures >= r.maxConsecutiveAskFailures) {
            throw new SparsenasError('STRATEGY_BROKEN', `strategy ${r.strategyName} threw in ask() ${askFailures} times in a row; last: ${step.trial.error!.replace(/^strategy .*? threw in ask\(\): /, '')}. The trials so far are stored; fix the strategy and run \`sparsenas resume --study ${r.study.name}\``);
          }
          break;
        }
        case 'wait':
          lastReason = step.reason;
          if (step.detail !== lastWait) log('info', (lastWait = step.detail));
          // Look again only once a transaction could change something (reads take no lock).
          do await sleep(r.pollMs, stop);
          while (!stop.aborted && !(await watch.worthATransaction()));
          break;
        case 'test': {
          await testBestTrials({
            store: r.store, evaluator: r.evaluator, bus: r.bus, definition: r.definition, now: r.now, signal: stop, tester: r.me.id,
            artifactsRoot: r.artifactsRoot, study: step.study, trials: step.trials, evaluatorName: `"${r.definition.evaluator.name}"`,
          });
          const finished = await r.store.transact(r.study.id, async (tx) => {
            const s = await tx.getStudy();
            if (s.tester !== r.me.id) return false;
            // Stopped before every trial was measured: a resume measures the rest.
            await tx.updateStudy(stop.aborted ? { tester: null } : { tester: null, state: 'finished' });
            return !stop.aborted;
          });
          if (finished) return step.reason;
          break;
        }
        case 'done':
          return step.reason;
        case 'left':
          if (step.state === 'finished') return lastReason;
          log('warn', `study "${r.study.name}" is ${step.state} (by another process); this worker stops`);
          return 'stopped';
      }
    }
  } finally {
    clearInterval(beat);
  }

  async function evaluate(trial: Trial, trials: readonly Trial[]): Promise<void> {
    const lease = { trialId: trial.id, owner: r.me.id, attempt: trial.attempt ?? 1 };
    const training = { ...r.definition.training, ...(trial.training ?? {}) };
    r.bus.publish({ type: 'trial.started', at: r.now(), trial, totalEpochs: training.epochs });
    // The pruner compares against completed and pruned trials: successive halving ranks every
    // trial that reached a rung (ASHA, Li et al. 2020), not only the survivors; a pruned curve
    // only counts up to the epoch it reached. Finished trials are immutable, so curves are cached.
    const judged = trials.filter((t) => t.state === 'completed' || t.state === 'pruned');
    for (const t of judged) if (!curves.has(t.id)) curves.set(t.id, await r.store.getEpochs(t.id));
    // A candidate that violates the study's pre-training constraints (maxNonzeros, maxSparseFlops)
    // is never trained: it ends pruned as infeasible, and takes no part in ranking.
    const infeasible = architectureViolation(trial.architecture, r.definition.constraints, r.info.dataset);
    const outcome = infeasible ? { result: { state: 'pruned' as const, error: `${INFEASIBLE_PREFIX}${infeasible}; not trained` } } : await executeTrial({
      store: r.store, evaluator: r.evaluator, bus: r.bus, definition: r.definition, studyName: r.study.name, pruner: r.pruner,
      signal: stop, now: r.now, artifactsRoot: r.artifactsRoot, heartbeatMs: r.heartbeatMs, classes: r.info.dataset?.classes,
    }, trial, lease, judged.map((t) => curves.get(t.id)!));
    let finished: Trial | undefined;
    try {
      finished = 'result' in outcome ? await r.store.finishTrial(lease, outcome.result) : undefined;
    } catch (err) {
      // The result could not be written (SQLITE_FULL): the trial is redone, the search stops.
      const fault = ('result' in outcome ? outcome.fault : undefined) ?? machineFault(err);
      if (fault) throw new FaultInTrial(fault, trial.number, err);
      throw err;
    }
    if ('result' in outcome && outcome.fault) {
      if (finished) r.bus.publish({ type: 'trial.finished', at: r.now(), trial: finished });
      throw new FaultInTrial(outcome.fault, trial.number);
    }
    if (!finished) {
      log('warn', `trial ${trial.number} was taken over by another worker (${'lost' in outcome ? outcome.lost : 'its lease was lost before its result was written'}); this worker's result for it was discarded`);
      return;
    }
    crashPoint('finished');
    r.bus.publish({ type: 'trial.finished', at: r.now(), trial: finished });
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve(); };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Store errors after which the step may be taken again (see `PgConnection.transaction`). */
function isLostConnection(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'STORE_CONNECTION_LOST' || code === 'STORE_COMMIT_UNKNOWN' || code === 'STORE_CONFLICT';
}
