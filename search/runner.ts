import type { StudyDefinition } from './config.js';
import type { Evaluator, TrialReporter } from './evaluator.js';
import type { EventBus, SearchFinishReason } from './events.js';
import type { Pruner } from './pruners.js';
import type { SearchSpace } from './space.js';
import type { NewTrial, Store } from './store.js';
import type { Strategy } from './strategy.js';
import type { Candidate, EpochMetrics, Metrics, Study, Trial, TrialState } from './types.js';
import { NopPruner } from './pruners.js';
import { SparsenasError, SpaceError, TrialDivergedError, TrialPrunedError, describeError } from './errors.js';
import { deriveSeed } from './rng.js';
import { bestTrial } from './leaderboard.js';

export interface RunnerOptions {
  store: Store;
  strategy: Strategy;
  /** Name shown in errors about the strategy (e.g. `evolution (./my-strategy.js)`). */
  strategyName?: string;
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
 */
export async function runSearch(opts: RunnerOptions): Promise<SearchOutcome> {
  const now = opts.now ?? Date.now;
  const { store, strategy, space, evaluator, bus, definition } = opts;
  const pruner = opts.pruner ?? new NopPruner();
  const who = opts.strategyName ?? definition.strategy.name;
  const started = now();
  const log = (level: 'info' | 'warn' | 'error', message: string) => bus.publish({ type: 'search.log', at: now(), level, message });

  let study = await store.getStudy(opts.studyName);
  if (study && !opts.resume) {
    throw new SparsenasError('STUDY_EXISTS', `study "${opts.studyName}" already exists in this database; use \`sparsenas resume --study ${opts.studyName}\` or pick another --study name`);
  }
  if (!study && opts.resume) {
    throw new SparsenasError('STUDY_NOT_FOUND', `study "${opts.studyName}" not found; \`sparsenas list studies\` shows the studies of this database`);
  }
  const resumed = !!study;
  if (!study) study = await store.createStudy(opts.studyName, definition);

  const info = await evaluator.prepare(definition);
  await store.updateStudy(study.id, { state: 'running', backend: info.backend, dataChecksums: info.dataChecksums });

  await callStrategy(who, 'init', () => strategy.init({ space, seed: definition.seed, options: definition.strategy.options, definition, dataset: info.dataset }));

  // Resume: trials left running by a killed process become interrupted and are re-run first.
  const redo: Candidate[] = [];
  let trials = await store.getTrials(study.id);
  if (resumed) {
    if (study.strategyState !== undefined && study.strategyState !== null) {
      await callStrategy(who, 'restore', () => strategy.restore(study!.strategyState!));
    }
    for (const t of trials.filter((t) => t.state === 'running')) {
      await store.finishTrial(t.id, { state: 'interrupted', error: 'the search process ended while this trial ran' });
    }
    trials = await store.getTrials(study.id);
    const redone = new Set(trials.map((t) => t.attributes?.['redoOf']).filter((x) => typeof x === 'number'));
    for (const t of trials) {
      if (t.state === 'interrupted' && !redone.has(t.number)) {
        redo.push({ sample: t.sample, architecture: t.architecture ?? undefined, group: t.group, label: t.label,
          training: t.training, seed: t.seed, attributes: { ...(t.attributes ?? {}), redoOf: t.number } });
      }
    }
  }

  const curves = new Map<number, EpochMetrics[]>();
  for (const t of trials) if (t.state === 'completed') curves.set(t.id, await store.getEpochs(t.id));

  const counted = (ts: Trial[]) => ts.filter((t) => t.state === 'completed' || t.state === 'pruned' || t.state === 'failed').length;
  study = (await store.getStudy(opts.studyName))!;
  bus.publish({ type: 'search.started', at: now(), study, backend: info.backend, backendReason: info.reason, resumed,
    dataset: info.dataset, maxTrials: definition.budget.maxTrials, timeLimitMinutes: definition.budget.timeLimitMinutes,
    completedBefore: counted(trials) });

  let reason: SearchFinishReason = 'exhausted';
  let askFailures = 0;
  const maxAskFailures = opts.maxConsecutiveAskFailures ?? 3;
  try {
    for (;;) {
      if (opts.signal?.aborted) { reason = 'stopped'; break; }
      if (definition.budget.maxTrials !== undefined && counted(trials) >= definition.budget.maxTrials) { reason = 'max-trials'; break; }
      if (definition.budget.timeLimitMinutes !== undefined && now() - started >= definition.budget.timeLimitMinutes * 60_000) { reason = 'time-limit'; break; }

      let candidate: Candidate | undefined;
      let askError: unknown;
      if (redo.length) candidate = redo.shift();
      else {
        try {
          candidate = await strategy.ask(trials);
          askFailures = 0;
        } catch (err) {
          askError = err;
          askFailures++;
        }
        if (!candidate && !askError) { reason = 'exhausted'; break; }
      }

      const number = trials.length;
      let newTrial: NewTrial;
      let buildError: string | undefined;
      if (askError) {
        buildError = `strategy ${who} threw in ask(): ${describeError(askError)}`;
        newTrial = { sample: {}, architecture: null, seed: deriveSeed(definition.seed, 'trial', number) };
      } else {
        const c = candidate!;
        let architecture = c.architecture ?? null;
        try {
          validateCandidate(c);
          if (!architecture) architecture = space.freeze(c.sample);
        } catch (err) {
          buildError = err instanceof SpaceError
            ? `strategy ${who} returned a candidate outside the space "${space.name}" from ask(): ${err.message}`
            : `strategy ${who} returned an invalid candidate from ask(): ${describeError(err)}`;
        }
        newTrial = { sample: c.sample ?? {}, architecture, seed: c.seed ?? deriveSeed(definition.seed, 'trial', number),
          group: c.group, label: c.label, training: c.training, attributes: c.attributes };
      }

      let trial = await store.createTrial(study.id, newTrial);
      const training = { ...definition.training, ...(trial.training ?? {}) };
      bus.publish({ type: 'trial.started', at: now(), trial, totalEpochs: training.epochs });

      let state: Exclude<TrialState, 'running'>;
      let metrics: Metrics | undefined;
      let error: string | undefined;
      const curve: EpochMetrics[] = [];
      if (buildError) {
        state = 'failed';
        error = buildError;
      } else {
        const controller = new AbortController();
        const onAbort = () => controller.abort();
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        const beat = setInterval(() => { store.heartbeat(trial.id).catch(() => {}); }, 10_000);
        beat.unref?.();
        const reporter: TrialReporter = {
          epochEnded: async (m) => {
            if (!Number.isFinite(m.trainLoss) || !Number.isFinite(m.valLoss)) {
              throw new TrialDivergedError(`loss is not finite at epoch ${m.epoch} (train ${m.trainLoss}, validation ${m.valLoss}); lower the learning rate`);
            }
            curve.push(m);
            await store.addEpoch(trial.id, m);
            await store.heartbeat(trial.id);
            bus.publish({ type: 'trial.epochEnded', at: now(), trialId: trial.id, trialNumber: trial.number, totalEpochs: training.epochs, metrics: m });
            if (pruner.shouldPrune(curve, [...curves.values()])) throw new TrialPrunedError(m.epoch);
          },
        };
        try {
          metrics = await evaluator.evaluate({
            studyName: study.name, trialNumber: trial.number, architecture: trial.architecture!, training,
            dataset: definition.dataset, seed: trial.seed,
            artifactDir: opts.artifactsRoot ? `${opts.artifactsRoot}/trial-${trial.number}` : undefined,
          }, reporter, controller.signal);
          if (!Number.isFinite(metrics.valLoss) || !Number.isFinite(metrics.valAccuracy)) {
            throw new TrialDivergedError(`validation loss is not finite (${metrics.valLoss}); lower the learning rate`);
          }
          state = 'completed';
        } catch (err) {
          metrics = undefined;
          if (err instanceof TrialPrunedError) { state = 'pruned'; error = err.message; }
          else if (controller.signal.aborted) { state = 'interrupted'; error = 'stopped by the user'; }
          else { state = 'failed'; error = describeError(err); }
        } finally {
          clearInterval(beat);
          opts.signal?.removeEventListener('abort', onAbort);
        }
      }
      trial = await store.finishTrial(trial.id, { state, metrics, error });
      if (state === 'completed') curves.set(trial.id, curve);
      trials = [...trials, trial];
      bus.publish({ type: 'trial.finished', at: now(), trial });

      if (!askError) {
        try {
          await strategy.tell(trial);
          await store.updateStudy(study.id, { strategyState: strategy.snapshot() });
        } catch (err) {
          log('error', `strategy ${who} threw in tell() for trial ${trial.number}: ${describeError(err)}`);
        }
      } else if (askFailures >= maxAskFailures) {
        throw new SparsenasError('STRATEGY_BROKEN', `strategy ${who} threw in ask() ${askFailures} times in a row; last: ${describeError(askError)}. The trials so far are stored; fix the strategy and run \`sparsenas resume --study ${study.name}\``);
      }
    }
  } finally {
    const stateAfter = reason === 'stopped' ? 'stopped' : 'finished';
    await store.updateStudy(study.id, { state: opts.signal?.aborted ? 'stopped' : stateAfter }).catch(() => {});
  }

  study = (await store.getStudy(study.name))!;
  trials = await store.getTrials(study.id);
  const best = bestTrial(trials, definition.objectives[0]!);
  const counts = { running: 0, completed: 0, pruned: 0, failed: 0, interrupted: 0 } as Record<TrialState, number>;
  for (const t of trials) counts[t.state]++;
  bus.publish({ type: 'search.finished', at: now(), study, reason, best, counts });
  return { study, trials, best, reason };
}

function validateCandidate(c: Candidate): void {
  if (typeof c !== 'object' || c === null) throw new TypeError(`expected an object, got ${c === null ? 'null' : typeof c}`);
  if (typeof c.sample !== 'object' || c.sample === null || Array.isArray(c.sample)) throw new TypeError('candidate.sample must be an object of dimension values');
}

async function callStrategy(who: string, method: string, fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch (err) {
    throw new SparsenasError('STRATEGY_FAILED', `strategy ${who} threw in ${method}(): ${describeError(err)}`, { cause: err });
  }
}
