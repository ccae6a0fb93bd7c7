import type { StudyDefinition } from './config.js';
import type { Evaluator, TrialReporter } from './evaluator.js';
import type { EventBus, SearchFinishReason } from './events.js';
import type { Pruner } from './pruners.js';
import type { SearchSpace } from './space.js';
import type { NewTrial, Store, TrialResult } from './store.js';
import type { Json } from './json.js';
import type { Strategy } from './strategy.js';
import type { Candidate, EpochMetrics, Sample, Study, TrainingConfig, Trial, TrialState } from './types.js';
import { compact } from './store-errors.js';
import { NopPruner } from './pruners.js';
import { SparsenasError, SpaceError, TrialDivergedError, TrialPrunedError, describeError } from './errors.js';
import { deriveSeed } from './rng.js';
import { bestTrial } from './leaderboard.js';
import { testBestTrials, trialArtifactDir } from './test-phase.js';
import { unavailableMethod } from './training-methods.js';
import { trainingMethodSchema } from './config.js';

export interface RunnerOptions {
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
  pruner?: Pruner;
  /** Aborting stops the search: the running trial is recorded as interrupted. */
  signal?: AbortSignal;
  /** Injected clock (ms). */
  now?: () => number;
  /** Directory for per-trial artifacts (trained weights); none when undefined. */
  artifactsRoot?: string;
  /** Give up after this many consecutive strategy failures in ask(). */
  maxConsecutiveAskFailures?: number;
  /**
   * Resume refuses a study that another process may still be running: state `running` and a
   * study update or trial heartbeat newer than this (default 60 s; heartbeats come every 10 s).
   * 0 takes over at once. Timestamps are the store's, so the store and `now` share a clock.
   */
  staleAfterMs?: number;
}

export interface SearchOutcome {
  study: Study;
  trials: Trial[];
  best?: Trial;
  reason: SearchFinishReason;
}

/**
 * The ask → evaluate → tell loop. One writer: only the runner writes trials of its study.
 * Budgets: `maxTrials` counts trials that ended completed, pruned or failed (interrupted
 * trials are re-run on resume); the time limit stops asking, the running trial finishes.
 * Resume: trials a killed process left running become interrupted; each interrupted trial
 * is re-run once, first, with its sample and seed (attribute `redoOf`); the strategy
 * continues from its snapshot, taken after every ask and tell. Study state at the end:
 * finished, stopped (abort), or interrupted (an error; resumable). A search that ends without
 * a stop measures its best `testTopK` trials on the test split (see `testBestTrials`) before
 * `search.finished`; a resume measures those not measured yet.
 */
export async function runSearch(opts: RunnerOptions): Promise<SearchOutcome> {
  const now = opts.now ?? Date.now;
  const { store, strategy, space, evaluator, bus, definition } = opts;
  const pruner = opts.pruner ?? new NopPruner();
  const who = opts.strategyName ?? definition.strategy.name;
  const started = now();
  const owner = `runner:${process.pid}:${Math.random().toString(36).slice(2)}`;
  const lease = (t: Trial) => ({ trialId: t.id, owner, attempt: t.attempt ?? 1 });
  const log = (level: 'info' | 'warn' | 'error', message: string) => bus.publish({ type: 'search.log', at: now(), level, message });

  let study = await store.getStudy(opts.studyName);
  if (study && !opts.resume) {
    throw new SparsenasError('STUDY_EXISTS', `study "${opts.studyName}" already exists in this database; use \`sparsenas resume --study ${opts.studyName}\` or pick another --study name`);
  }
  if (!study && opts.resume) {
    throw new SparsenasError('STUDY_NOT_FOUND', `study "${opts.studyName}" not found; \`sparsenas list studies\` shows the studies of this database`);
  }
  const resumed = !!study;
  if (study) assertNotLive(study, await store.getTrials(study.id), now(), opts.staleAfterMs ?? 60_000);
  // Prepare (backend, data) before a new study is created: a missing dataset or backend then
  // leaves nothing behind, and the same command can simply be run again once it is fixed.
  const info = await evaluator.prepare(definition);
  if (!study) study = await store.createStudy(opts.studyName, definition);

  // Whatever goes wrong from here leaves the study resumable (see the finally below).
  let reason: SearchFinishReason = 'exhausted';
  let ended = false;
  const curves = new Map<number, EpochMetrics[]>();
  const onStop = () => bus.publish({ type: 'search.stopping', at: now(), reason: 'stopped' });
  try {
    await store.updateStudy(study.id, { state: 'running', backend: info.backend, dataChecksums: info.dataChecksums });

    await callStrategy(who, 'init', () => strategy.init({ space, seed: definition.seed, options: definition.strategy.options, definition, dataset: info.dataset,
      trainingMethods: [...(info.trainingMethods ?? [])] }));

    // The strategy's state is saved after every ask and every tell, for resume.
    const saveSnapshot = async () => {
      let state: Json;
      try {
        state = strategy.snapshot();
      } catch (err) {
        log('error', `strategy ${who} threw in snapshot(): ${describeError(err)}; a resume would restart it from an older state`);
        return;
      }
      await store.updateStudy(study!.id, { strategyState: state });
    };
    const tellStrategy = async (trial: Trial) => {
      try {
        await strategy.tell(structuredClone(trial));
      } catch (err) {
        log('error', `strategy ${who} threw in tell() for trial ${trial.number}: ${describeError(err)}`);
      }
      await saveSnapshot();
    };

    // Resume: trials left running by a killed process become interrupted and are re-run first.
    const redo: Candidate[] = [];
    let trials = await store.getTrials(study.id);
    if (resumed) {
      if (study.strategyState !== undefined && study.strategyState !== null) {
        await callStrategy(who, 'restore', () => strategy.restore(study!.strategyState!));
      }
      // A killed process never told the strategy how these ended; tell it now, as after a stop.
      for (const t of trials.filter((t) => t.state === 'running')) {
        const ended = await store.transact(study.id, (tx) => tx.interruptTrial(t.id, 'the search process ended while this trial ran'));
        if (ended) await tellStrategy(ended);
      }
      trials = await store.getTrials(study.id);
      const redone = new Set(trials.map((t) => t.attributes?.['redoOf']).filter((x) => typeof x === 'number'));
      for (const t of trials) {
        // A trial without an architecture never reached the evaluator: nothing to re-run.
        if (t.state === 'interrupted' && t.architecture && !redone.has(t.number)) {
          redo.push(compact({ sample: t.sample, architecture: t.architecture, group: t.group, label: t.label,
            training: t.training, seed: t.seed, attributes: { ...(t.attributes ?? {}), redoOf: t.number } }));
        }
      }
    }

    // The pruner compares against completed and pruned trials: successive halving ranks every
    // trial that reached a rung (ASHA, Li et al. 2020), not only the survivors; a pruned curve
    // only counts up to the epoch it reached.
    const judged = (t: Trial) => t.state === 'completed' || t.state === 'pruned';
    for (const t of trials) if (judged(t)) curves.set(t.id, await store.getEpochs(t.id));

    const counted = (ts: Trial[]) => ts.filter((t) => t.state === 'completed' || t.state === 'pruned' || t.state === 'failed').length;
    study = (await store.getStudy(opts.studyName))!;
    bus.publish({ type: 'search.started', at: now(), study, backend: info.backend, backendReason: info.reason, resumed,
      dataset: info.dataset, maxTrials: definition.budget.maxTrials, timeLimitMinutes: definition.budget.timeLimitMinutes,
      completedBefore: counted(trials) });

    opts.signal?.addEventListener('abort', onStop, { once: true });
    let askFailures = 0;
    const maxAskFailures = opts.maxConsecutiveAskFailures ?? 3;
    for (;;) {
      if (opts.signal?.aborted) { reason = 'stopped'; break; }
      if (definition.budget.maxTrials !== undefined && counted(trials) >= definition.budget.maxTrials) { reason = 'max-trials'; break; }
      if (definition.budget.timeLimitMinutes !== undefined && now() - started >= definition.budget.timeLimitMinutes * 60_000) { reason = 'time-limit'; break; }

      let candidate: Candidate | undefined;
      let askError: unknown;
      const redoing = redo.length > 0;
      if (redoing) candidate = redo.shift();
      else {
        try {
          candidate = await strategy.ask(structuredClone(trials));
          askFailures = 0;
        } catch (err) {
          askError = err;
          askFailures++;
        }
        if (!candidate && !askError) { reason = 'exhausted'; break; }
      }

      const seed = deriveSeed(definition.seed, 'trial', trials.length);
      const { newTrial, buildError } = askError
        ? { newTrial: { sample: {}, architecture: null, seed }, buildError: `strategy ${who} threw in ask(): ${describeError(askError)}` }
        : buildTrial(candidate!, space, seed, who, opts.spaceName ?? `"${space.name}"`);

      const attempt = redoing ? 2 : 1;
      let trial = await store.transact(study!.id, (tx) => tx.insertTrial(buildError
        ? { ...newTrial, state: 'failed', attempt, error: buildError }
        : { ...newTrial, state: 'running', owner, attempt }));
      // Strategies advance their state in ask(); saving it now (not only after tell) means a
      // process killed during this trial resumes with a strategy that already proposed it, so
      // the re-run on resume is the only evaluation of this candidate, never a second ask.
      if (candidate && !redoing) await saveSnapshot();
      const training = { ...definition.training, ...(trial.training ?? {}) };
      bus.publish({ type: 'trial.started', at: now(), trial, totalEpochs: training.epochs });

      // A method the evaluator does not train would be ignored or fail inside it: refuse it here.
      const methodError = buildError ? undefined : unavailableMethod(training, info, definition.evaluator.name);
      if (!buildError) trial = (await store.finishTrial(lease(trial), methodError ? { state: 'failed', error: methodError } : await evaluate(trial, training))) ?? trial;
      if (judged(trial)) curves.set(trial.id, await store.getEpochs(trial.id));
      trials = [...trials, trial];
      bus.publish({ type: 'trial.finished', at: now(), trial });

      if (!askError) await tellStrategy(trial);
      else if (askFailures >= maxAskFailures) {
        throw new SparsenasError('STRATEGY_BROKEN', `strategy ${who} threw in ask() ${askFailures} times in a row; last: ${describeError(askError)}. The trials so far are stored; fix the strategy and run \`sparsenas resume --study ${study.name}\``);
      }
    }
    // A stopped search is not over: its best trials may still change, so the test split waits.
    if (reason !== 'stopped') {
      await testBestTrials({ store, evaluator, bus, definition, now, signal: opts.signal, artifactsRoot: opts.artifactsRoot,
        study: (await store.getStudy(study.name))!, trials, evaluatorName: `"${definition.evaluator.name}"` });
    }
    ended = true;
  } finally {
    opts.signal?.removeEventListener('abort', onStop);
    // A search that threw (broken strategy, store failure) can be resumed: mark it interrupted.
    const state = !ended ? 'interrupted' : reason === 'stopped' ? 'stopped' : 'finished';
    await store.updateStudy(study.id, { state }).catch(() => {});
  }

  study = (await store.getStudy(study.name))!;
  const trials = await store.getTrials(study.id);
  const best = bestTrial(trials, definition.objectives[0]!);
  const counts = { running: 0, completed: 0, pruned: 0, failed: 0, interrupted: 0 } as Record<TrialState, number>;
  for (const t of trials) counts[t.state]++;
  bus.publish({ type: 'search.finished', at: now(), study, reason, best, counts });
  return { study, trials, best, reason };

  /** Trains one trial; every way it can end becomes a result, nothing escapes. */
  async function evaluate(trial: Trial, training: TrainingConfig): Promise<TrialResult> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // The user may have stopped while the candidate was being asked for and stored.
    if (opts.signal?.aborted) controller.abort();
    const beat = setInterval(() => { store.heartbeat(lease(trial)).catch(() => {}); }, 10_000);
    beat.unref?.();
    const curve: EpochMetrics[] = [];
    // Set when the reporter decided the trial's fate; it wins even if the evaluator swallowed the throw.
    let verdict: TrialPrunedError | TrialDivergedError | undefined;
    const reporter: TrialReporter = {
      epochEnded: async (m) => {
        if (verdict) throw verdict;
        if (!Number.isFinite(m.trainLoss) || !Number.isFinite(m.valLoss)) {
          throw (verdict = new TrialDivergedError(`loss is not finite at epoch ${m.epoch} (train ${m.trainLoss}, validation ${m.valLoss}); lower the learning rate`));
        }
        curve.push(m);
        await store.addEpoch(lease(trial), m);
        await store.heartbeat(lease(trial));
        bus.publish({ type: 'trial.epochEnded', at: now(), trialId: trial.id, trialNumber: trial.number, totalEpochs: training.epochs, metrics: m });
        if (pruner.shouldPrune(curve, [...curves.values()])) throw (verdict = new TrialPrunedError(m.epoch));
      },
    };
    try {
      const metrics = await evaluator.evaluate({
        studyName: study!.name, trialNumber: trial.number, architecture: trial.architecture!, training,
        dataset: definition.dataset, seed: trial.seed,
        artifactDir: opts.artifactsRoot ? trialArtifactDir(opts.artifactsRoot, trial.number) : undefined,
      }, reporter, controller.signal);
      if (verdict) throw verdict;
      if (!Number.isFinite(metrics.valLoss) || !Number.isFinite(metrics.valAccuracy)) {
        throw new TrialDivergedError(`validation loss is not finite (${metrics.valLoss}); lower the learning rate`);
      }
      return { state: 'completed', metrics };
    } catch (thrown) {
      const err = verdict ?? thrown;
      if (err instanceof TrialPrunedError) return { state: 'pruned', error: err.message };
      if (controller.signal.aborted) return { state: 'interrupted', error: 'stopped by the user' };
      return { state: 'failed', error: describeError(err) };
    } finally {
      clearInterval(beat);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }
}

/**
 * Two processes on one study would both ask and number trials: refuse while the study looks
 * alive. A process killed outright leaves the study `running`; once its last sign of life is
 * older than `staleAfterMs` it is taken for dead and its running trials are interrupted.
 */
function assertNotLive(study: Study, trials: readonly Trial[], at: number, staleAfterMs: number): void {
  if (study.state !== 'running') return;
  const lastSign = Math.max(study.updatedAt, ...trials.filter((t) => t.state === 'running').map((t) => t.heartbeatAt ?? t.startedAt));
  const age = at - lastSign;
  if (age < staleAfterMs) {
    throw new SparsenasError('STUDY_BUSY', `study "${study.name}" looks alive: another process wrote to it ${Math.max(0, Math.round(age / 1000))} s ago. Stop that process, or wait ${Math.ceil((staleAfterMs - age) / 1000)} s if it was killed, then resume again`);
  }
}

/** Turns a strategy's candidate into a trial to store; a bad candidate becomes a build error. */
function buildTrial(c: Candidate, space: SearchSpace, defaultSeed: number, who: string, spaceName: string): { newTrial: NewTrial; buildError?: string } {
  const ok = typeof c === 'object' && c !== null;
  const sample = ok && isObject(c.sample) ? c.sample : {};
  const seed = ok && Number.isSafeInteger(c.seed) && c.seed! >= 0 ? c.seed! : defaultSeed;
  const newTrial: NewTrial = ok
    ? compact({ sample, architecture: c.architecture ?? null, seed, group: c.group, label: c.label, training: c.training, attributes: c.attributes })
    : { sample, architecture: null, seed };
  try {
    validateCandidate(c);
    if (!newTrial.architecture) {
      const problem = callSpace(spaceName, 'check', () => space.check(sample));
      if (problem) throw problem;
      newTrial.architecture = callSpace(spaceName, 'freeze', () => space.freeze(sample));
    }
    return { newTrial };
  } catch (err) {
    const buildError = err instanceof SpaceMethodError ? err.message : err instanceof SpaceError
      ? `strategy ${who} returned a candidate outside the space "${space.name}" from ask(): dimension "${err.dimension}": ${err.message}`
      : `strategy ${who} returned an invalid candidate from ask(): ${describeError(err)}`;
    return { newTrial, buildError };
  }
}

/** A space's own failure (not a sample outside it): reported against the space, not the strategy. */
class SpaceMethodError extends Error {}

function callSpace<T>(spaceName: string, method: 'check' | 'freeze', fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SpaceError) throw err;
    throw new SpaceMethodError(`space ${spaceName} threw in ${method}(): ${describeError(err)}`);
  }
}

function isObject(v: unknown): v is Sample {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function validateCandidate(c: Candidate): void {
  if (typeof c !== 'object' || c === null) throw new TypeError(`expected an object, got ${c === null ? 'null' : typeof c}`);
  if (!isObject(c.sample)) throw new TypeError('candidate.sample must be an object of dimension values');
  if (c.seed !== undefined && !(Number.isSafeInteger(c.seed) && c.seed >= 0)) throw new TypeError(`candidate.seed must be a non-negative integer, got ${c.seed}`);
  const method = c.training?.method;
  if (method !== undefined && !trainingMethodSchema.safeParse(method).success) {
    throw new TypeError(`candidate.training.method must be { name: string, options?: object }, got ${JSON.stringify(method)}`);
  }
}

async function callStrategy(who: string, method: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    throw new SparsenasError('STRATEGY_FAILED', `strategy ${who} threw in ${method}(): ${describeError(err)}`, { cause: err });
  }
}
