import { AsyncLocalStorage } from 'node:async_hooks';
import type { StudyDefinition } from './config.js';
import type { Lease, NewWorker, Store, StudyPatch, StudyTransaction, TrialInsert, TrialResult } from './store.js';
import type { EpochMetrics, Study, Trial, WorkerInfo } from './types.js';
import { checkInsert, checkResult, compact, storeErrors } from './store-errors.js';
import type { StudyDump } from './study-dump.js';
import { checkDump } from './study-import.js';

export interface MemoryStoreOptions {
  /** Injected clock (ms): every timestamp the store writes, and `StudyTransaction.now`. */
  now?: () => number;
}

/**
 * A Store in process memory: for tests, dry runs and the programmatic API without a file.
 * Everything goes in and comes out through `structuredClone`, so callers never share
 * objects with the store (the snapshot rule of the Store contract). Every call runs alone, in
 * call order (one queue), so a transaction is serialised against every other call; a
 * transaction whose function throws puts back the study's rows as they were when it began.
 * Several in-process workers may share one MemoryStore.
 */
export class MemoryStore implements Store {
  private readonly now: () => number;
  private readonly studies = new Map<number, Study>();
  private readonly trials = new Map<number, Trial>();
  private readonly epochs = new Map<number, EpochMetrics[]>();
  private readonly workers = new Map<string, WorkerInfo>();
  private nextStudyId = 1;
  private nextTrialId = 1;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly inTx = new AsyncLocalStorage<true>();

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  createStudy(name: string, definition: StudyDefinition): Promise<Study> {
    return this.op('createStudy', () => {
      if ([...this.studies.values()].some((s) => s.name === name)) throw storeErrors.studyExists(name);
      const at = this.now();
      const study: Study = { id: this.nextStudyId++, name, definition: structuredClone(definition), state: 'running', createdAt: at, updatedAt: at };
      this.studies.set(study.id, study);
      return structuredClone(study);
    });
  }

  getStudy(name: string): Promise<Study | undefined> {
    return this.op('getStudy', () => {
      const study = [...this.studies.values()].find((s) => s.name === name);
      return study && structuredClone(study);
    });
  }

  listStudies(): Promise<Study[]> {
    return this.op('listStudies', () => structuredClone([...this.studies.values()]));
  }

  updateStudy(studyId: number, patch: StudyPatch): Promise<void> {
    return this.op('updateStudy', () => this.patchStudy(studyId, patch, this.now()));
  }

  deleteStudy(studyId: number): Promise<void> {
    return this.op('deleteStudy', () => {
      this.study(studyId);
      for (const [id, t] of this.trials) {
        if (t.studyId !== studyId) continue;
        this.trials.delete(id);
        this.epochs.delete(id);
      }
      for (const [id, w] of this.workers) if (w.studyId === studyId) this.workers.delete(id);
      this.studies.delete(studyId);
    });
  }

  renameStudy(studyId: number, name: string): Promise<void> {
    return this.op('renameStudy', () => {
      const study = this.study(studyId);
      if ([...this.studies.values()].some((s) => s.name === name && s.id !== studyId)) throw storeErrors.studyExists(name);
      Object.assign(study, { name, updatedAt: this.now() });
    });
  }

  importStudy(dump: StudyDump): Promise<Study> {
    return this.op('importStudy', () => {
      checkDump(dump);
      const d = structuredClone(dump);
      if ([...this.studies.values()].some((s) => s.name === d.study.name)) throw storeErrors.studyExists(d.study.name);
      const taken = d.workers.find((w) => this.workers.has(w.id));
      if (taken) throw storeErrors.workerExists(taken.id);
      const study: Study = { ...d.study, id: this.nextStudyId++ };
      this.studies.set(study.id, study);
      for (const { epochs, ...t } of d.trials) {
        const trial: Trial = { ...t, id: this.nextTrialId++, studyId: study.id };
        this.trials.set(trial.id, trial);
        this.epochs.set(trial.id, epochs);
      }
      for (const w of d.workers) this.workers.set(w.id, { ...w, studyId: study.id });
      return structuredClone(study);
    });
  }

  getTrials(studyId: number): Promise<Trial[]> {
    return this.op('getTrials', () => structuredClone(this.trialsOf(studyId)));
  }

  getTrial(studyId: number, number: number): Promise<Trial | undefined> {
    return this.op('getTrial', () => {
      const trial = [...this.trials.values()].find((t) => t.studyId === studyId && t.number === number);
      return trial && structuredClone(trial);
    });
  }

  getEpochs(trialId: number): Promise<EpochMetrics[]> {
    return this.op('getEpochs', () => structuredClone(this.epochs.get(trialId) ?? []));
  }

  getWorkers(studyId: number): Promise<WorkerInfo[]> {
    return this.op('getWorkers', () => structuredClone(this.workersOf(studyId)));
  }

  transact<T>(studyId: number, fn: (tx: StudyTransaction) => Promise<T>): Promise<T> {
    return this.op('transact', async () => {
      this.study(studyId);
      const now = this.now();
      const before = this.copyOf(studyId);
      let open = true;
      const guard = <A extends unknown[], R>(f: (...a: A) => R) => async (...a: A): Promise<R> => {
        if (!open) throw storeErrors.txEnded();
        return f(...a);
      };
      const tx: StudyTransaction = {
        now,
        getStudy: guard(() => structuredClone(this.study(studyId))),
        getTrials: guard(() => structuredClone(this.trialsOf(studyId))),
        getWorkers: guard(() => structuredClone(this.workersOf(studyId))),
        updateStudy: guard((patch: StudyPatch) => this.patchStudy(studyId, patch, now)),
        insertTrial: guard((trial: TrialInsert) => this.insertTrial(studyId, trial, now)),
        claimTrial: guard((trialId: number, owner: string) => {
          const t = this.trials.get(trialId);
          if (!t || t.studyId !== studyId || t.state !== 'waiting') return undefined;
          Object.assign(t, { state: 'running', owner, startedAt: now, heartbeatAt: now });
          return structuredClone(t);
        }),
        interruptTrial: guard((trialId: number, error: string) => {
          const t = this.trials.get(trialId);
          if (!t || t.studyId !== studyId || t.state !== 'running') return undefined;
          Object.assign(t, { state: 'interrupted', error, finishedAt: now });
          return structuredClone(t);
        }),
        markTold: guard((trialIds: readonly number[]) => {
          for (const id of trialIds) {
            const t = this.trials.get(id);
            if (t && t.studyId === studyId && t.toldAt === undefined && t.state !== 'waiting' && t.state !== 'running') t.toldAt = now;
          }
        }),
        registerWorker: guard((w: NewWorker) => {
          if (this.workers.has(w.id)) throw storeErrors.workerExists(w.id);
          const worker: WorkerInfo = compact({ id: w.id, studyId, host: w.host, pid: w.pid, machine: w.machine, backend: w.backend, artifacts: w.artifacts, startedAt: now, heartbeatAt: now });
          this.workers.set(w.id, worker);
          return structuredClone(worker);
        }),
        endWorker: guard((workerId: string) => {
          const w = this.workers.get(workerId);
          if (w && w.studyId === studyId && w.endedAt === undefined) w.endedAt = now;
        }),
      };
      try {
        return await this.inTx.run(true, () => fn(tx));
      } catch (err) {
        this.putBack(studyId, before);
        throw err;
      } finally {
        open = false;
      }
    });
  }

  heartbeat(lease: Lease): Promise<boolean> {
    return this.op('heartbeat', () => {
      const t = this.leased(lease);
      if (t) t.heartbeatAt = this.now();
      return !!t;
    });
  }

  addEpoch(lease: Lease, metrics: EpochMetrics): Promise<boolean> {
    return this.op('addEpoch', () => {
      if (!this.leased(lease)) return false;
      const curve = this.epochs.get(lease.trialId)!;
      if (curve.some((e) => e.epoch === metrics.epoch)) throw storeErrors.epochExists(lease.trialId, metrics.epoch);
      curve.push(compact(structuredClone(metrics)));
      curve.sort((a, b) => a.epoch - b.epoch);
      return true;
    });
  }

  finishTrial(lease: Lease, result: TrialResult): Promise<Trial | undefined> {
    return this.op('finishTrial', () => {
      checkResult(lease.trialId, result);
      const trial = this.leased(lease);
      if (!trial) return undefined;
      const r = structuredClone(result);
      Object.assign(trial, compact({ state: r.state, metrics: r.metrics, error: r.error, finishedAt: this.now() }));
      return structuredClone(trial);
    });
  }

  workerHeartbeat(workerId: string): Promise<boolean> {
    return this.op('workerHeartbeat', () => {
      const w = this.workers.get(workerId);
      if (!w || w.endedAt !== undefined) return false;
      w.heartbeatAt = this.now();
      return true;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Runs `fn` after every call made before it (calls made before close() still run). */
  private op<T>(method: string, fn: () => T | Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(storeErrors.closed('this memory store'));
    if (this.inTx.getStore()) return Promise.reject(storeErrors.txNested(method));
    const result = this.queue.then(fn);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private leased(l: Lease): Trial | undefined {
    const t = this.trials.get(l.trialId);
    return t && t.state === 'running' && t.owner === l.owner && t.attempt === l.attempt ? t : undefined;
  }

  private patchStudy(studyId: number, patch: StudyPatch, at: number): void {
    const study = this.study(studyId);
    const copy = structuredClone(patch);
    if (copy.state !== undefined) study.state = copy.state;
    if (copy.strategyState !== undefined) study.strategyState = copy.strategyState;
    if (copy.dataChecksums !== undefined) study.dataChecksums = copy.dataChecksums;
    if (copy.backend !== undefined) study.backend = copy.backend;
    if (copy.testResults !== undefined) study.testResults = copy.testResults;
    if (copy.runStartedAt !== undefined) study.runStartedAt = copy.runStartedAt;
    if (copy.definition !== undefined) study.definition = copy.definition;
    if (copy.tester === null) delete study.tester;
    else if (copy.tester !== undefined) study.tester = copy.tester;
    study.updatedAt = at;
  }

  private insertTrial(studyId: number, trial: TrialInsert, at: number): Trial {
    checkInsert(trial);
    const t = structuredClone(trial);
    const number = this.trialsOf(studyId).length;
    const stored: Trial = compact({
      id: this.nextTrialId++, studyId, number, state: t.state, sample: t.sample, architecture: t.architecture, seed: t.seed,
      group: t.group, label: t.label, training: t.training, attributes: t.attributes,
      error: t.state === 'failed' ? t.error : undefined, startedAt: at,
      heartbeatAt: t.state === 'running' ? at : undefined, finishedAt: t.state === 'failed' ? at : undefined,
      owner: t.owner, attempt: t.attempt, toldAt: t.state === 'failed' && t.told ? at : undefined,
    });
    this.trials.set(stored.id, stored);
    this.epochs.set(stored.id, []);
    return structuredClone(stored);
  }

  private trialsOf(studyId: number): Trial[] {
    return [...this.trials.values()].filter((t) => t.studyId === studyId).sort((a, b) => a.number - b.number);
  }

  private workersOf(studyId: number): WorkerInfo[] {
    return [...this.workers.values()].filter((w) => w.studyId === studyId).sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : 1));
  }

  /** What a transaction on the study can change: its row, its trials and its workers. */
  private copyOf(studyId: number) {
    return structuredClone({
      study: this.study(studyId), trials: this.trialsOf(studyId), workers: this.workersOf(studyId), nextTrialId: this.nextTrialId,
    });
  }

  private putBack(studyId: number, before: ReturnType<MemoryStore['copyOf']>): void {
    for (const t of this.trialsOf(studyId)) {
      if (!before.trials.some((b) => b.id === t.id)) this.epochs.delete(t.id);
      this.trials.delete(t.id);
    }
    for (const t of before.trials) this.trials.set(t.id, t);
    for (const w of this.workersOf(studyId)) this.workers.delete(w.id);
    for (const w of before.workers) this.workers.set(w.id, w);
    this.studies.set(studyId, before.study);
    this.nextTrialId = before.nextTrialId;
  }

  private study(id: number): Study {
    const study = this.studies.get(id);
    if (!study) throw storeErrors.studyNotFound(id);
    return study;
  }
}
