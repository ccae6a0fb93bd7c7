import type { StudyDefinition } from './config.js';
import type { Evaluator, EvaluatorInfo } from './evaluator.js';
import type { SearchFinishReason } from './events.js';
import type { NewWorker, Store } from './store.js';
import type { Study, WorkerInfo } from './types.js';
import type { Liveness } from './worker-identity.js';
import { SparsenasError, describeError } from './errors.js';
import { assertSameData } from './data-check.js';
import { StopRequested } from './guarded-strategy.js';
import { queueRedos } from './next-step.js';
import { COUNTED_STATES } from './types.js';
import { seconds, workerDeath } from './worker-identity.js';
import { WorkerPresumedDead } from './worker-presumed-dead.js';

/**
 * How a process enters a study: `create` a new one (`sparsenas search`), `resume` one nobody
 * runs (`sparsenas resume`; refused while another process looks alive, unless `force`), or `join`
 * one that is running (`sparsenas worker`, and the workers a supervisor starts).
 */
export type RunMode = 'create' | 'resume' | 'join';

export interface BeginOptions {
  store: Store;
  studyName: string;
  definition: StudyDefinition;
  mode: RunMode;
  /** resume: take over even though other workers look alive ("I know they are dead"). */
  force?: boolean;
  me: NewWorker;
  liveness: Liveness;
  /** Prepares the evaluator (data, backend) once the study is known to be runnable; may throw. */
  prepare: (definition: StudyDefinition) => Promise<EvaluatorInfo>;
  /** Runs after prepare and before anything is written (e.g. the strategy's init). */
  beforeWrite?: (info: EvaluatorInfo, definition: StudyDefinition) => Promise<void>;
  /** Said when `force` ends live-looking workers. */
  log?: (message: string) => void;
}

export interface BegunRun {
  study: Study;
  /** The definition every worker uses: the stored one (resume with a raised budget updates it). */
  definition: StudyDefinition;
  info: EvaluatorInfo;
  /** Trials that counted toward the budget before this run. */
  completedBefore: number;
}

/**
 * Opens a run of a study for this process and registers it as a worker, atomically with the
 * liveness check: two `resume` started together cannot both pass it (the first one's worker
 * row is what the second one sees). Nothing is written until the evaluator has prepared, so a
 * missing dataset or backend leaves the database as it was.
 */
export async function beginRun(o: BeginOptions): Promise<BegunRun> {
  const existing = await o.store.getStudy(o.studyName);
  if (existing && o.mode === 'create') {
    throw new SparsenasError('STUDY_EXISTS', `study "${o.studyName}" already exists in this database; use \`sparsenas resume --study ${o.studyName}\` or pick another --study name`);
  }
  if (!existing && o.mode !== 'create') {
    throw new SparsenasError('STUDY_NOT_FOUND', `study "${o.studyName}" not found; \`sparsenas list studies\` shows the studies of this database`);
  }
  if (existing && o.mode === 'join' && existing.state !== 'running') {
    throw new SparsenasError('STUDY_NOT_RUNNING', `study "${o.studyName}" is ${existing.state}, so there is nothing to join; continue it with \`sparsenas resume --study ${o.studyName}\` (add --workers N for several processes)`);
  }
  // Fail fast, before the (slow) prepare; checked again under the lock below.
  if (existing && o.mode === 'resume' && !o.force) await o.store.transact(existing.id, async (tx) => assertNobodyAlive(existing, await tx.getWorkers(), tx.now, o));
  const definition = o.mode === 'join' ? existing!.definition : o.definition;
  const info = await o.prepare(definition);
  if (existing) assertSameData(existing, info, o.me.host);
  await o.beforeWrite?.(info, definition);
  const study = existing ?? await o.store.createStudy(o.studyName, definition);
  return o.store.transact(study.id, async (tx) => {
    const now = await tx.getStudy();
    if (o.mode === 'join' && now.state !== 'running') {
      throw new SparsenasError('STUDY_NOT_RUNNING', `study "${o.studyName}" ended while this worker prepared (${now.state}); nothing to join`);
    }
    if (o.mode === 'resume') {
      const workers = await tx.getWorkers();
      if (!o.force) assertNobodyAlive(now, workers, tx.now, o);
      for (const w of alive(workers, tx.now, o)) {
        await tx.endWorker(w.id);
        o.log?.(`--force: worker ${w.id} (pid ${w.pid} on ${w.host}) is taken for dead; its running trial is interrupted and redone`);
      }
    }
    await tx.registerWorker({ ...o.me, backend: info.backend });
    if (o.mode !== 'join') {
      await tx.updateStudy({
        state: 'running', runStartedAt: tx.now, backend: info.backend, dataChecksums: info.dataChecksums,
        ...(JSON.stringify(now.definition) !== JSON.stringify(definition) ? { definition } : {}),
      });
    }
    const trials = await tx.getTrials();
    return { study: await tx.getStudy(), definition, info, completedBefore: trials.filter((t) => COUNTED_STATES.includes(t.state)).length };
  });
}

/**
 * Leaves the run: this worker's row ends, the redo of a trial it stopped is queued, and the
 * study's state says how the run ended. A failure (broken strategy, store error, disk full)
 * marks the study `interrupted`, so every other worker stops at its next step, and a trial this
 * worker still holds (its result could not be written) is interrupted, to be redone; a stop marks
 * it `stopped` once the last live worker leaves; the budget's end was marked `finished` by the
 * worker that tested. Returns whether that could be recorded (false: the store itself failed).
 */
export async function endRun(o: { store: Store; study: Study; me: NewWorker; liveness: Liveness }, reason: SearchFinishReason | undefined, failure?: unknown): Promise<boolean> {
  return o.store.transact(o.study.id, async (tx) => {
    await tx.endWorker(o.me.id);
    const fails = failure !== undefined && !(failure instanceof StopRequested) && !(failure instanceof WorkerPresumedDead);
    if (fails) {
      for (const t of await tx.getTrials()) {
        if (t.state === 'running' && t.owner === o.me.id) await tx.interruptTrial(t.id, `its worker stopped: ${describeError(failure)}; redone on resume`);
      }
    }
    await queueRedos(tx, await tx.getTrials(), []);
    const study = await tx.getStudy();
    if (study.state !== 'running') return;
    const patch = study.tester === o.me.id ? { tester: null } : {};
    if (fails) return tx.updateStudy({ ...patch, state: 'interrupted' });
    if (reason === 'stopped' || failure !== undefined) {
      const others = alive(await tx.getWorkers(), tx.now, o).filter((w) => w.id !== o.me.id);
      if (!others.length) return tx.updateStudy({ ...patch, state: 'stopped' });
    }
    if (patch.tester === null) await tx.updateStudy(patch);
  }).then(() => true, () => {
    // The store itself failed (that may be why the run ends): nothing more can be recorded, and
    // nothing is lost. This worker's row and running trial read as dead after the stale timeout.
    return false;
  });
}

function alive(workers: readonly WorkerInfo[], now: number, o: { me: NewWorker; liveness: Liveness }): WorkerInfo[] {
  return workers.filter((w) => w.id !== o.me.id && !workerDeath(w, now, o.liveness));
}

/** Refuses to resume a study another process still runs, saying how long to wait and what else to do. */
function assertNobodyAlive(study: Study, workers: readonly WorkerInfo[], now: number, o: BeginOptions): void {
  const live = alive(workers, now, o);
  if (!live.length) return;
  const newest = Math.max(...live.map((w) => w.heartbeatAt));
  const wait = Math.ceil((newest + o.liveness.staleAfterMs - now) / 1000);
  const who = live.map((w) => `pid ${w.pid} on ${w.host} (last heartbeat ${seconds(now - w.heartbeatAt)} s ago)`).join(', ');
  throw new SparsenasError('STUDY_BUSY', `study "${study.name}" is being run by another process: ${who}. If it was killed, it is presumed dead ${wait} s from now: resume again then, or now with \`sparsenas resume --study ${study.name} --force\` if you know it is dead. To add a worker to the running study instead: \`sparsenas worker --study ${study.name}\``);
}
