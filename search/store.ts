import type { StudyDefinition } from './config.js';
import type { Json } from './json.js';
import type { Architecture } from './architecture.js';
import type { StudyDump } from './study-dump.js';
import type { Candidate, EpochMetrics, Metrics, Sample, Study, StudyState, TestResults, Trial, TrialState, WorkerInfo } from './types.js';

/** A candidate as stored: what a trial is about, before anyone runs it. */
export interface NewTrial {
  sample: Sample;
  architecture: Architecture | null;
  seed: number;
  group?: string;
  label?: string;
  training?: Candidate['training'];
  attributes?: Candidate['attributes'];
}

/** What `StudyTransaction.insertTrial` stores. */
export interface TrialInsert extends NewTrial {
  /**
   * `running`: leased at once by `owner` (a fresh candidate its worker evaluates next);
   * `waiting`: queued for whichever worker claims it (a redo); `failed`: a candidate that could
   * not be built and never runs (it is final at once).
   */
  state: 'running' | 'waiting' | 'failed';
  /** Required for `running`, absent otherwise. */
  owner?: string;
  /** 1 for a new candidate; a redo has its predecessor's attempt + 1. */
  attempt: number;
  /** Why a `failed` insert failed. */
  error?: string;
  /** Set for a `failed` insert the strategy must never be told about (its ask() threw). */
  told?: boolean;
}

export interface TrialResult {
  state: Exclude<TrialState, 'running' | 'waiting'>;
  metrics?: Metrics;
  error?: string;
}

/**
 * The fencing token of one running trial. Every write about a running trial names all three;
 * the store applies it only while the row is still `running` with this owner and attempt.
 */
export interface Lease {
  trialId: number;
  owner: string;
  attempt: number;
}

export interface NewWorker {
  id: string;
  host: string;
  pid: number;
  machine?: string;
  /** The backend it trains on (`EvaluatorInfo.backend`). */
  backend?: string;
  /** The absolute directory its trials' weights go to, on its host (`trial-N` below it). */
  artifacts?: string;
}

/** Fields `updateStudy` may change; each one given replaces the stored value. */
export interface StudyPatch {
  state?: StudyState;
  strategyState?: Json;
  dataChecksums?: Study['dataChecksums'];
  backend?: string;
  /** Replaces the whole map: write every tested trial, not only the new ones. */
  testResults?: TestResults;
  runStartedAt?: number;
  /** null clears it. */
  tester?: string | null;
  /** A resume that changes the budget (or testTopK) stores it, so every worker uses the same one. */
  definition?: StudyDefinition;
}

/**
 * The reads and writes allowed inside `Store.transact`: one unit of work on one study, which
 * commits as a whole or not at all. Its methods may only be called while `fn` runs (after it
 * settles every call is refused with STORE_TX_ENDED), one at a time (await each call).
 */
export interface StudyTransaction {
  /**
   * The store's clock when the transaction took the study's lock (ms since the epoch): SQLite
   * the store's injected clock, PostgreSQL the server's `now()`. Every timestamp written in this
   * transaction is this value, so staleness is judged on one clock.
   */
  readonly now: number;
  getStudy(): Promise<Study>;
  /** Every trial of the study, by number (all states). */
  getTrials(): Promise<Trial[]>;
  /** Every worker ever registered on the study, ended ones included, by start. */
  getWorkers(): Promise<WorkerInfo[]>;
  updateStudy(patch: StudyPatch): Promise<void>;
  /**
   * Inserts a trial with the next number (0, 1, 2… dense per study). `running`: owner set,
   * startedAt = heartbeatAt = now; `waiting`: no owner, startedAt = now (queued); `failed`:
   * finishedAt = now (and toldAt = now when `told`).
   */
  insertTrial(trial: TrialInsert): Promise<Trial>;
  /**
   * waiting → running, owned by `owner` (its attempt is unchanged; startedAt = heartbeatAt = now).
   * Returns the trial, or undefined when it was not waiting (claimed or gone).
   */
  claimTrial(trialId: number, owner: string): Promise<Trial | undefined>;
  /**
   * running → interrupted whoever holds it (reaping a stale lease, `resume --force`), with
   * finishedAt = now. Returns the trial, or undefined when it was no longer running. The caller
   * queues the redo in the same transaction.
   */
  interruptTrial(trialId: number, error: string): Promise<Trial | undefined>;
  /** Sets toldAt = now on these finished trials (the strategy was told in this transaction). */
  markTold(trialIds: readonly number[]): Promise<void>;
  /** Registers a worker (startedAt = heartbeatAt = now); an id registered before throws WORKER_EXISTS. */
  registerWorker(worker: NewWorker): Promise<WorkerInfo>;
  /** Marks a worker ended (endedAt = now): its heartbeats return false from then on. */
  endWorker(workerId: string): Promise<void>;
}

/**
 * Persistence contract (every Store passes `test/search/store-conformance.ts`).
 *
 * Studies and reads:
 * - Study names are unique; `createStudy` on an existing name throws `STUDY_EXISTS`.
 * - Everything returned is a snapshot: mutating it changes nothing stored.
 * - Writes are durable when the promise resolves.
 *
 * The trial protocol (several processes may share one study):
 * - Every step that reads and then writes (reap stale trials, claim a waiting trial, check the
 *   budget, restore the strategy, tell it what finished, ask, insert the new trial, save the
 *   snapshot) runs in ONE `transact` call. Transactions on one study are serialised: SQLite takes
 *   the database's write lock up front (`BEGIN IMMEDIATE`), PostgreSQL locks the study row
 *   (`SELECT … FOR UPDATE`) first. `fn` must be short: it holds that lock. If `fn` throws, or
 *   the process dies before the commit, nothing of it is stored.
 * - Evaluation runs outside any transaction. Its writes are fenced by a `Lease`: `heartbeat`,
 *   `addEpoch` and `finishTrial` change the row only while it is `running` with that owner and
 *   attempt, and return false / undefined (never throw) when the lease was lost: the trial was
 *   reaped as stale, or the study deleted. The writer must then stop evaluating that trial.
 * - A finished trial is immutable: no fenced write and no transaction method changes it, except
 *   `markTold` setting its toldAt once.
 * - Timestamps (startedAt, heartbeatAt, finishedAt, toldAt, worker times, `tx.now`) come from the
 *   store's clock, never from the caller's.
 * - Busy locks are waited for inside the store: a caller never sees SQLITE_BUSY; a lock held
 *   longer than the store's lock wait is a `STORE_LOCKED` error naming the database.
 */
export interface Store {
  createStudy(name: string, definition: StudyDefinition): Promise<Study>;
  getStudy(name: string): Promise<Study | undefined>;
  listStudies(): Promise<Study[]>;
  /** A single write outside the trial protocol (backend, checksums, a sign of life). */
  updateStudy(studyId: number, patch: StudyPatch): Promise<void>;
  /** Deletes a study with its trials, epochs and workers. */
  deleteStudy(studyId: number): Promise<void>;
  /** Gives a study another name (STUDY_EXISTS when it is taken); nothing else changes but updatedAt. */
  renameStudy(studyId: number, name: string): Promise<void>;
  /**
   * Stores a whole study dumped from another store (`study copy`) in one transaction, every
   * field as dumped (new ids only). STUDY_EXISTS when its name is taken, WORKER_EXISTS when one
   * of its worker ids is.
   */
  importStudy(dump: StudyDump): Promise<Study>;

  getTrials(studyId: number): Promise<Trial[]>;
  getTrial(studyId: number, number: number): Promise<Trial | undefined>;
  getEpochs(trialId: number): Promise<EpochMetrics[]>;
  getWorkers(studyId: number): Promise<WorkerInfo[]>;

  /**
   * Runs `fn` as one transaction on the study (see the contract above) and returns what it
   * returns. Throws STUDY_NOT_FOUND (before `fn`) for an unknown study.
   */
  transact<T>(studyId: number, fn: (tx: StudyTransaction) => Promise<T>): Promise<T>;

  /** Lease liveness: heartbeatAt = now. False when the lease was lost. */
  heartbeat(lease: Lease): Promise<boolean>;
  /** Stores one epoch of a leased trial. False when the lease was lost; EPOCH_EXISTS for an epoch stored before. */
  addEpoch(lease: Lease, metrics: EpochMetrics): Promise<boolean>;
  /**
   * Ends a leased trial (finishedAt = now, toldAt unset: the next transaction tells the
   * strategy). Undefined when the lease was lost; TRIAL_STATE_INVALID for a non-final state.
   */
  finishTrial(lease: Lease, result: TrialResult): Promise<Trial | undefined>;
  /** Worker liveness: heartbeatAt = now. False when the worker was ended (it must stop). */
  workerHeartbeat(workerId: string): Promise<boolean>;

  close(): Promise<void>;
}
export const Store = Symbol.for('sparsenas.Store');
