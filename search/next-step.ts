import type { StudyDefinition } from './config.js';
import type { EvaluatorInfo } from './evaluator.js';
import type { SearchFinishReason } from './events.js';
import type { SearchSpace } from './space.js';
import type { StudyTransaction } from './store.js';
import type { Study, StudyState, Trial, WorkerInfo } from './types.js';
import type { GuardedStrategy } from './guarded-strategy.js';
import { AskFailed } from './guarded-strategy.js';
import { buildTrial } from './candidate.js';
import { crashPoint } from './crash-points.js';
import { deriveSeed } from './rng.js';
import { unavailableMethod } from './training-methods.js';
import { compact } from './store-errors.js';
import { pendingTests } from './test-phase.js';
import { WorkerPresumedDead } from './worker-presumed-dead.js';
import { COUNTED_STATES, FINISHED_STATES } from './types.js';
import { type Liveness, leaseDeath, workerDeath } from './worker-identity.js';

export type DoneReason = Exclude<SearchFinishReason, 'stopped'>;

/** What a worker does next, decided in one transaction. `logs` are published after the commit. */
export type Step = { logs: string[] } & (
  /** Evaluate this trial, leased to this worker; `trials` is the study as this transaction saw it. */
  | { kind: 'evaluate'; trial: Trial; trials: Trial[]; asked: boolean }
  /** A candidate that never runs (ask() threw, or it could not be built), stored as failed. */
  | { kind: 'failed'; trial: Trial; askFailed: boolean }
  /** Nothing to start now, but other workers' trials are running (or testing): look again soon. */
  | { kind: 'wait'; reason: DoneReason; detail: string }
  /** This worker holds the test phase (`Study.tester`): measure the best trials on the test split. */
  | { kind: 'test'; reason: DoneReason; study: Study; trials: Trial[] }
  /** Nothing left to do: the study is finished. */
  | { kind: 'done'; reason: DoneReason }
  /** The study is no longer running (stopped, failed, or finished by another worker). */
  | { kind: 'left'; state: StudyState });

export interface StepContext {
  definition: StudyDefinition;
  strategy: GuardedStrategy;
  strategyName: string;
  space: SearchSpace;
  spaceName: string;
  /** This worker's id. */
  me: string;
  liveness: Liveness;
  /** The evaluator's training methods: a candidate asking for another one fails before it runs. */
  info: EvaluatorInfo;
}

/**
 * The read-then-write part of the worker loop, as ONE transaction (issue 13): reap stale leases
 * and queue their redos, tell the strategy every finished trial not told yet, then claim a
 * waiting redo, or check the budget and ask for a new candidate, insert it with its number and
 * seed, and save the strategy's snapshot. All of it commits together or not at all: a kill at
 * any point leaves the study as it was before the transaction, or with all of it done.
 */
export async function nextStep(tx: StudyTransaction, c: StepContext): Promise<Step> {
  const logs: string[] = [];
  const study = await tx.getStudy();
  if (study.state !== 'running') return { kind: 'left', state: study.state, logs };
  const workers = await tx.getWorkers();
  // Presumed dead by another worker while it was paused: it must not start anything more.
  if (workers.find((w) => w.id === c.me)?.endedAt !== undefined) throw new WorkerPresumedDead(c.me);
  let trials = await tx.getTrials();

  if (await reap(tx, trials, workers, c, logs)) trials = await tx.getTrials();
  if (await queueRedos(tx, trials, logs)) trials = await tx.getTrials();

  // Tell before anything is asked, in the order the trials ended (a killed worker's trial is told
  // as interrupted by whoever reaped it; a finished trial whose worker died before telling, now).
  await c.strategy.sync(study.strategyState);
  const untold = trials.filter((t) => FINISHED_STATES.includes(t.state) && t.toldAt === undefined)
    .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0) || a.number - b.number);
  for (const t of untold) await c.strategy.tell(t);
  if (untold.length) {
    await tx.markTold(untold.map((t) => t.id));
    crashPoint('told');
  }
  const save = async () => tx.updateStudy({ strategyState: await c.strategy.snapshot() });

  const counted = trials.filter((t) => COUNTED_STATES.includes(t.state)).length;
  const running = trials.filter((t) => t.state === 'running');
  const waiting = trials.filter((t) => t.state === 'waiting');
  const { maxTrials, timeLimitMinutes } = c.definition.budget;
  const timeUp = timeLimitMinutes !== undefined && tx.now - (study.runStartedAt ?? study.createdAt) >= timeLimitMinutes * 60_000;
  // The budget counts trials that ended completed, pruned or failed; a running or waiting trial
  // holds its place (it ends as one of those, or is redone).
  const full = (inFlight: number) => maxTrials !== undefined && counted + inFlight >= maxTrials;

  let reason: DoneReason = timeUp ? 'time-limit' : 'max-trials';
  if (!timeUp && waiting.length && !full(running.length)) {
    const claimed = await tx.claimTrial(waiting[0]!.id, c.me);
    if (untold.length) await save();
    if (claimed) return { kind: 'evaluate', trial: claimed, trials: await tx.getTrials(), asked: false, logs };
  }
  if (!timeUp && !full(running.length + waiting.length)) {
    let candidate;
    let askError: AskFailed | undefined;
    try {
      candidate = await c.strategy.ask(trials);
    } catch (err) {
      if (!(err instanceof AskFailed)) throw err;
      askError = err;
    }
    crashPoint('asked');
    if (candidate || askError) {
      // The seed of a candidate is that of its position among the study's candidates (redos keep
      // their predecessor's), never of how many trials, redos included, came before it.
      const position = trials.filter((t) => (t.attempt ?? 1) === 1).length;
      const seed = deriveSeed(c.definition.seed, 'trial', position);
      const built = askError ? { newTrial: { sample: {}, architecture: null, seed }, buildError: askError.message } : buildTrial(candidate!, c.space, seed, c.strategyName, c.spaceName);
      // A method the evaluator does not train would be ignored or fail inside it: refuse it here.
      built.buildError ??= unavailableMethod({ ...c.definition.training, ...(built.newTrial.training ?? {}) }, c.info, c.definition.evaluator.name);
      const trial = await tx.insertTrial(built.buildError
        ? { ...built.newTrial, state: 'failed', attempt: 1, error: built.buildError, told: !!askError }
        : { ...built.newTrial, state: 'running', owner: c.me, attempt: 1 });
      await save();
      if (built.buildError) return { kind: 'failed', trial, askFailed: !!askError, logs };
      return { kind: 'evaluate', trial, trials: [...trials, trial], asked: true, logs };
    }
    await save();
    reason = 'exhausted';
  } else if (untold.length) {
    await save();
  }

  // Nothing to start. While others run, wait: they may fail, be reaped, or (a strategy that waits
  // for results) make the strategy propose again. When nothing runs, the search is over.
  if (running.length) {
    return { kind: 'wait', reason, detail: `${reason === 'exhausted' ? 'the strategy has nothing to propose' : reason === 'time-limit' ? 'the time limit has passed' : 'the trial budget is taken'}; waiting for ${plural(running.length, 'running trial')} (${running.map((t) => t.number).join(', ')})`, logs };
  }
  if (!pendingTests(c.definition, study, trials).length) {
    await tx.updateStudy({ state: 'finished', tester: null });
    return { kind: 'done', reason, logs };
  }
  const tester = study.tester !== undefined && study.tester !== c.me ? workers.find((w) => w.id === study.tester) : undefined;
  if (tester && !workerDeath(tester, tx.now, c.liveness)) {
    return { kind: 'wait', reason, detail: `worker ${tester.id} is measuring the best trials on the test split`, logs };
  }
  if (study.tester !== undefined && study.tester !== c.me) logs.push(`worker ${study.tester} stopped measuring the test split; this worker takes over`);
  await tx.updateStudy({ tester: c.me });
  return { kind: 'test', reason, study: { ...study, tester: c.me }, trials, logs };
}

/**
 * Workers presumed dead are ended (a zombie that wakes up finds its heartbeat refused and
 * stops), and every running trial whose lease is presumed lost becomes interrupted. Returns
 * whether anything changed.
 */
async function reap(tx: StudyTransaction, trials: readonly Trial[], workers: readonly WorkerInfo[], c: StepContext, logs: string[]): Promise<boolean> {
  let changed = false;
  for (const w of workers) {
    if (w.endedAt !== undefined || w.id === c.me) continue;
    const dead = workerDeath(w, tx.now, c.liveness);
    if (!dead) continue;
    await tx.endWorker(w.id);
    changed = true;
    // A worker that ended cleanly left nothing behind; only a presumed death is news.
    logs.push(`worker ${w.id} (pid ${w.pid} on ${w.host}) is presumed dead: ${dead}`);
  }
  const byId = new Map(workers.map((w) => [w.id, w]));
  for (const t of trials) {
    if (t.state !== 'running' || t.owner === c.me) continue;
    const lost = leaseDeath(t, t.owner ? byId.get(t.owner) : undefined, tx.now, c.liveness);
    if (!lost) continue;
    if (await tx.interruptTrial(t.id, `interrupted: ${lost}`)) {
      changed = true;
      logs.push(`trial ${t.number} was interrupted: ${lost}`);
    }
  }
  return changed;
}

/**
 * Every interrupted trial that reached the evaluator gets exactly one redo: a waiting trial with
 * its candidate and seed (attribute `redoOf`, attempt + 1). Idempotent, so it also repairs a
 * study an older sparsenas left with interrupted trials and no redos. Returns whether it queued any.
 */
export async function queueRedos(tx: StudyTransaction, trials: readonly Trial[], logs: string[]): Promise<boolean> {
  const redone = new Set(trials.map((t) => t.attributes?.['redoOf']).filter((x) => typeof x === 'number'));
  let queued = false;
  for (const t of trials) {
    if (t.state !== 'interrupted' || !t.architecture || redone.has(t.number)) continue;
    const redo = await tx.insertTrial(compact({
      sample: t.sample, architecture: t.architecture, seed: t.seed, group: t.group, label: t.label, training: t.training,
      attributes: { ...(t.attributes ?? {}), redoOf: t.number }, state: 'waiting' as const, attempt: (t.attempt ?? 1) + 1,
    }));
    logs.push(`trial ${redo.number} is queued: the redo of interrupted trial ${t.number}`);
    queued = true;
  }
  return queued;
}

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
