import { PROGRESS_EVERY_MS } from './events.js';
import type { StudyDefinition } from './config.js';
import type { Evaluator, TrialReporter } from './evaluator.js';
import type { EventBus } from './events.js';
import type { Pruner } from './pruners.js';
import type { Lease, Store, TrialResult } from './store.js';
import type { EpochMetrics, Trial } from './types.js';
import { endedAtChance } from './types.js';
import { TrialDivergedError, TrialPrunedError, describeError } from './errors.js';
import { crashPoint } from './crash-points.js';
import { type MachineFault, machineFault } from './machine-faults.js';
import { trialArtifactDir } from './test-phase.js';
import { latencyViolation } from './constraints.js';


export interface ExecutorOptions {
  store: Store;
  evaluator: Evaluator;
  bus: EventBus;
  definition: StudyDefinition;
  studyName: string;
  pruner: Pruner;
  /** Aborting stops the trial: it ends `interrupted` and is redone later. */
  signal?: AbortSignal;
  now: () => number;
  artifactsRoot?: string;
  /** The dataset's number of classes, when the evaluator knows it: a trial at chance is flagged. */
  classes?: number;
  /** How often the lease is renewed while the trial trains. */
  heartbeatMs: number;
}

/**
 * What happened to a leased trial: a result to store, or the lease was lost on the way. With
 * `fault` the machine failed (disk full): the result is `interrupted`, and the search must stop.
 */
export type Outcome = { result: TrialResult; fault?: MachineFault } | { lost: string };

/**
 * Evaluates one leased trial outside any transaction: renews the lease every `heartbeatMs`,
 * stores each epoch (fenced), feeds the pruner the study's judged curves (`peers`, read from
 * the store when the trial started), and turns every way it can end into a result. When a
 * fenced write finds the lease lost (another worker took the trial over) the evaluation is
 * aborted and nothing more is written for it.
 */
export async function executeTrial(o: ExecutorOptions, trial: Trial, lease: Lease, peers: readonly (readonly EpochMetrics[])[]): Promise<Outcome> {
  const training = { ...o.definition.training, ...(trial.training ?? {}) };
  const controller = new AbortController();
  let lost: string | undefined;
  const lose = (why: string) => { lost ??= why; controller.abort(); };
  const onAbort = () => controller.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  // The user may have stopped while the trial was being claimed.
  if (o.signal?.aborted) controller.abort();
  const beat = setInterval(() => {
    o.store.heartbeat(lease).then((held) => { if (!held) lose('its lease was lost (another worker took it over)'); }, () => {});
  }, o.heartbeatMs);
  beat.unref?.();
  const curve: EpochMetrics[] = [];
  // Set when the reporter decided the trial's fate; it wins even if the evaluator swallowed the throw.
  let verdict: TrialPrunedError | TrialDivergedError | undefined;
  let lastProgress = -Infinity;
  const reporter: TrialReporter = {
    batchEnded: (p) => {
      const at = o.now();
      if (at - lastProgress < PROGRESS_EVERY_MS) return;
      lastProgress = at;
      o.bus.publish({ type: 'trial.progress', at, trialId: trial.id, trialNumber: trial.number, totalEpochs: training.epochs, ...p });
    },
    epochEnded: async (m) => {
      if (verdict) throw verdict;
      if (lost) throw new LeaseLost(lost);
      if (!Number.isFinite(m.trainLoss) || !Number.isFinite(m.valLoss)) {
        throw (verdict = new TrialDivergedError(`loss is not finite at epoch ${m.epoch} (train ${m.trainLoss}, validation ${m.valLoss}); lower the learning rate`));
      }
      crashPoint('epoch-reported');
      if (!(await o.store.addEpoch(lease, m))) {
        lose('its lease was lost (another worker took it over)');
        throw new LeaseLost(lost!);
      }
      crashPoint('epoch-stored');
      curve.push(m);
      o.bus.publish({ type: 'trial.epochEnded', at: o.now(), trialId: trial.id, trialNumber: trial.number, totalEpochs: training.epochs, metrics: m });
      // A trial that has run its last epoch is finished work: it is never pruned (issue 17, defect 2).
      if (curve.length < training.epochs && o.pruner.shouldPrune(curve, peers)) throw (verdict = new TrialPrunedError(m.epoch));
    },
  };
  try {
    const metrics = await o.evaluator.evaluate({
      studyName: o.studyName, trialNumber: trial.number, architecture: trial.architecture!, training,
      dataset: o.definition.dataset, seed: trial.seed,
      artifactDir: o.artifactsRoot ? trialArtifactDir(o.artifactsRoot, trial.number) : undefined,
    }, reporter, controller.signal);
    if (lost) return { lost };
    if (verdict) throw verdict;
    if (!Number.isFinite(metrics.valLoss) || !Number.isFinite(metrics.valAccuracy)) {
      throw new TrialDivergedError(`validation loss is not finite (${metrics.valLoss}); lower the learning rate`);
    }
    // A plugin's metrics (extra, outputs) must be JSON: a BigInt would make the result unwritable
    // and leave the trial running; it fails this trial instead, naming the evaluator.
    try {
      JSON.stringify(metrics);
    } catch (err) {
      return { result: { state: 'failed', error: `evaluator "${o.definition.evaluator.name}" returned metrics that cannot be stored as JSON (${describeError(err)}); use numbers, strings, booleans, arrays and plain objects` } };
    }
    const atChance = o.classes !== undefined && endedAtChance(metrics, o.classes);
    // maxLatencyMs is known only now: a trial measured too slow completes, marked infeasible (never ranked).
    const infeasible = latencyViolation(metrics, o.definition.constraints);
    return { result: { state: 'completed', metrics: { ...metrics, ...(atChance ? { didNotLearn: true } : {}), ...(infeasible ? { infeasible } : {}) } } };
  } catch (thrown) {
    if (lost) return { lost };
    const err = verdict ?? thrown;
    if (err instanceof TrialPrunedError) return { result: { state: 'pruned', error: err.message } };
    // Out of space (weights, epoch rows) is the machine's fault, not the candidate's: never `failed`.
    const fault = verdict ? undefined : machineFault(thrown);
    if (fault) return { result: { state: 'interrupted', error: `the machine failed: ${fault.detail}; redone on resume` }, fault };
    if (controller.signal.aborted) return { result: { state: 'interrupted', error: 'stopped by the user' } };
    return { result: { state: 'failed', error: describeError(err) } };
  } finally {
    clearInterval(beat);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

class LeaseLost extends Error {}
