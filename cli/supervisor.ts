import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type EventBus, GuardedStrategy, type SearchEvent, type SearchFinishReason, type StudyDefinition, SparsenasError,
  beginRun, bestTrial, countStates, endRun, protocolTiming, workerIdentity,
} from '../search/index.js';
import type { SearchOptions } from './api.js';
import type { WorkerMessage } from './parent-channel.js';
import { SearchRun, openStore, resolveParts, resumedDefinition, weightsDir } from './api.js';

export interface SupervisedOptions extends Pick<SearchOptions, 'container' | 'signal' | 'staleAfterMs' | 'strategyTimeoutMs' | 'artifacts'> {
  studyName: string;
  /** create: the new study's definition. */
  definition?: StudyDefinition;
  mode: 'create' | 'resume';
  /** resume: budget keys that replace the stored ones. */
  budget?: StudyDefinition['budget'];
  /** The SQLite file the workers share. */
  db: string;
  workers: number;
  /** Threads of each worker's native kernel pool (passed as `--threads`); undefined: the addon's default. */
  threads?: number;
  /** resume: take over although another process looks alive. */
  force?: boolean;
  /** Starts one worker process with these CLI arguments (default: fork this package's `sparsenas`). */
  spawn?: (args: string[]) => ChildProcess;
}

const BIN = fileURLToPath(new URL('./bin.js', import.meta.url));

/**
 * `sparsenas search|resume --workers N`: N worker processes (`sparsenas worker --ipc`) on one
 * study, and this process as their supervisor. It opens the run (prepares the evaluator once:
 * a missing dataset fails before any process starts, and a download happens once), registers as
 * a worker that never takes trials (so a `resume` elsewhere sees the study alive), shows what
 * the workers report over IPC on its own event bus (so the usual dashboard, plain or NDJSON
 * output shows all of them), and on a stop asks every worker to stop (each running trial ends
 * interrupted and is redone on resume). It does not restart a worker that dies: the others
 * redo its trial.
 */
export function superviseSearch(o: SupervisedOptions): SearchRun {
  return new SearchRun(async (bus) => {
    if (!(Number.isInteger(o.workers) && o.workers >= 1)) throw new SparsenasError('USAGE', `--workers must be a positive integer, got ${o.workers}`);
    if (o.threads !== undefined && !(Number.isInteger(o.threads) && o.threads >= 1)) throw new SparsenasError('USAGE', `--threads must be a positive integer, got ${o.threads}`);
    const timing = protocolTiming({ staleAfterMs: o.staleAfterMs, strategyTimeoutMs: o.strategyTimeoutMs });
    const store = await openStore(o.db, { mustExist: o.mode === 'resume' });
    const stored = o.mode === 'resume' ? await store.getStudy(o.studyName).catch(async (err) => { await store.close(); throw err; }) : undefined;
    if (o.mode === 'resume' && !stored) {
      await store.close();
      throw new SparsenasError('STUDY_NOT_FOUND', `study "${o.studyName}" not found in ${o.db}; \`sparsenas list studies\` shows the studies`);
    }
    const requested = stored ? resumedDefinition(stored.definition, o.budget) : o.definition!;
    const parts = await resolveParts(requested, o, o.mode === 'create').catch(async (err) => { await store.close(); throw err; });
    const me = workerIdentity();
    const liveness = { staleAfterMs: timing.staleAfterMs, machine: me.machine, checkPids: timing.checkPids };
    const log = (level: 'info' | 'warn' | 'error', message: string) => bus.publish({ type: 'search.log', at: Date.now(), level, message });
    let beat: NodeJS.Timeout | undefined;
    try {
      const strategy = new GuardedStrategy(parts.strategy, { name: parts.strategyName, timeoutMs: timing.strategyTimeoutMs, signal: o.signal, studyName: o.studyName });
      const begun = await beginRun({
        store, studyName: o.studyName, definition: requested, mode: o.mode, force: o.force, me, liveness,
        prepare: (d) => parts.evaluator.prepare(d),
        // The options are checked here once, before anything is written; the workers init their own.
        beforeWrite: (info, d) => strategy.init({ space: parts.space, seed: d.seed, options: d.strategy.options, definition: d, dataset: info.dataset,
          trainingMethods: [...(info.trainingMethods ?? [])] }),
        log: (m) => log('warn', m),
      });
      await parts.evaluator.dispose().catch(() => {});
      beat = setInterval(() => { store.workerHeartbeat(me.id).catch(() => {}); }, timing.heartbeatMs);
      const { definition, info } = begun;
      bus.publish({ type: 'search.started', at: Date.now(), study: begun.study, backend: info.backend, backendReason: info.reason,
        resumed: o.mode === 'resume', dataset: info.dataset, maxTrials: definition.budget.maxTrials,
        timeLimitMinutes: definition.budget.timeLimitMinutes, completedBefore: begun.completedBefore });
      log('info', `${o.workers} worker processes share study "${o.studyName}"${o.threads ? `, ${o.threads} native kernel thread${o.threads > 1 ? 's' : ''} each` : ''}; trained weights go to ${weightsDir(o, o.studyName)}`);

      const results = await runWorkers(o, bus, log, timing.staleAfterMs, timing.strategyTimeoutMs);
      // The cause (a full disk) is named, not a worker that only followed it: one that found the
      // study already ended (STUDY_NOT_RUNNING) can exit first, while the worker that hit the
      // fault is still shutting down. Among causes, the first to fail.
      const follower = (r: WorkerResult) => (r.code === 'STUDY_NOT_RUNNING' ? 1 : 0);
      const failed = results.filter((r) => r.failure).sort((a, b) => follower(a) - follower(b) || a.failedAt! - b.failedAt!)[0];
      const reason: SearchFinishReason = o.signal?.aborted ? 'stopped' : results.find((r) => r.reason && r.reason !== 'stopped')?.reason ?? 'stopped';
      const failure = failed ? new SparsenasError('WORKER_FAILED', `worker ${failed.index} ${failed.failure}`) : undefined;
      await endRun({ store, study: begun.study, me, liveness }, reason, failure);
      if (failure) throw failure;
      const study = (await store.getStudy(o.studyName))!;
      const trials = await store.getTrials(study.id);
      const best = bestTrial(trials, definition.objectives[0]!);
      bus.publish({ type: 'search.finished', at: Date.now(), study, reason, best, counts: countStates(trials) });
      return { study, trials, best, reason };
    } finally {
      clearInterval(beat);
      await parts.evaluator.dispose().catch(() => {});
      await store.close();
    }
  });
}

interface WorkerResult {
  index: number;
  /** Why the worker's own run ended (its `search.finished`). */
  reason?: SearchFinishReason;
  /** How it failed, when it exited with an error or was killed. */
  failure?: string;
  /** When it failed (order of the failures). */
  failedAt?: number;
  /** The code of the error it reported before exiting (`worker.failed`). */
  code?: string;
}

/** Starts the workers, relays their events, asks them to stop on abort, and waits for all of them. */
function runWorkers(o: SupervisedOptions, bus: EventBus, log: (level: 'info' | 'warn' | 'error', m: string) => void, staleAfterMs: number, strategyTimeoutMs: number): Promise<WorkerResult[]> {
  const args = ['worker', '--study', o.studyName, '--db', o.db, '--ipc', '--stale-timeout', String(staleAfterMs / 1000), '--strategy-timeout', String(strategyTimeoutMs / 1000), ...(o.artifacts ? ['--artifacts', o.artifacts] : []),
    ...(o.threads ? ['--threads', String(o.threads)] : [])];
  const spawn = o.spawn ?? ((a: string[]) => fork(BIN, a, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' }));
  const children: ChildProcess[] = [];
  const stopAll = () => {
    bus.publish({ type: 'search.stopping', at: Date.now(), reason: 'stopped' });
    for (const child of children) if (child.connected) child.send({ type: 'stop' });
  };
  o.signal?.addEventListener('abort', stopAll, { once: true });
  const exits = Array.from({ length: o.workers }, (_, i) => {
    const index = i + 1;
    const child = spawn(args);
    children.push(child);
    const result: WorkerResult = { index };
    let lastError = '';
    child.stderr?.setEncoding('utf8');
    let partial = '';
    child.stderr?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines.filter((l) => l.trim())) {
        lastError = line.replace(/^sparsenas: /, '');
        log('error', `worker ${index}: ${lastError}`);
      }
    });
    child.on('message', (e: SearchEvent | WorkerMessage) => {
      switch (e.type) {
        case 'worker.failed':
          result.code = e.code;
          break;
        case 'trial.started': case 'trial.epochEnded': case 'trial.finished': case 'trial.tested':
          bus.publish(e);
          break;
        case 'search.log':
          bus.publish({ ...e, message: `worker ${index}: ${e.message}` });
          break;
        case 'search.finished':
          result.reason = e.reason;
          break;
        default: // its own search.started / stopping: the supervisor announces the run once
      }
    });
    return new Promise<WorkerResult>((resolve) => {
      child.once('error', (err) => { result.failure = `could not start: ${err.message}`; result.failedAt = performance.now(); resolve(result); });
      child.once('exit', (code, signal) => {
        // Killed from outside (kill -9, out of memory): a warning; another worker or a resume redoes its trial.
        if (signal) log('warn', `worker ${index} was killed by ${signal}; its trial is redone by another worker or on resume`);
        else if (code !== 0 && code !== 130) {
          result.failure ??= `exited with code ${code}${lastError ? `: ${lastError}` : ''}`;
          result.failedAt ??= performance.now();
        }
        resolve(result);
      });
    });
  });
  return Promise.all(exits).finally(() => o.signal?.removeEventListener('abort', stopAll));
}
