import { StoreError } from './errors.js';
import type { TrialInsert, TrialResult } from './store.js';
import { FINISHED_STATES } from './types.js';

/**
 * The StoreErrors every Store raises, in one place so every implementation uses the same
 * codes and wording (the conformance suite checks the codes).
 */
export const storeErrors = {
  studyExists: (name: string) =>
    new StoreError('STUDY_EXISTS', `a study named "${name}" already exists; resume it or pick another name`),
  studyNotFound: (id: number) =>
    new StoreError('STUDY_NOT_FOUND', `no study with id ${id}; it may have been deleted`),
  trialNotFound: (id: number) =>
    new StoreError('TRIAL_NOT_FOUND', `no trial with id ${id}; it may have been deleted with its study`),
  trialFinished: (id: number, what: string) =>
    new StoreError('TRIAL_FINISHED', `trial ${id} is already finished and cannot change (${what}); finished trials are immutable`),
  epochExists: (id: number, epoch: number) =>
    new StoreError('EPOCH_EXISTS', `trial ${id} already has metrics for epoch ${epoch}; each epoch is reported once`),
  closed: (what: string) =>
    new StoreError('STORE_CLOSED', `${what} is closed; open it again before using it`),
  workerExists: (id: string) =>
    new StoreError('WORKER_EXISTS', `a worker with id "${id}" is already registered; every process needs its own worker id`),
  txEnded: () =>
    new StoreError('STORE_TX_ENDED', 'this transaction has ended; a StudyTransaction may only be used while its function runs'),
  txNested: (method: string) =>
    new StoreError('STORE_TX_NESTED', `store.${method}() was called inside a transaction on the same store; inside transact() use the transaction's own methods`),
  insertInvalid: (why: string) =>
    new StoreError('TRIAL_INSERT_INVALID', `cannot insert the trial: ${why}`),
  locked: (what: string, seconds: number) =>
    new StoreError('STORE_LOCKED', `${what} stayed locked by another process for ${seconds} s; a worker may be stuck inside a transaction (a strategy call that does not return?). Stop it, or wait and try again`),
};

/** Runtime guard for callers that bypass the types (plugins, JSON). */
export function checkResult(trialId: number, result: TrialResult): void {
  if (!FINISHED_STATES.includes(result.state)) {
    throw new StoreError('TRIAL_STATE_INVALID', `cannot finish trial ${trialId} as "${String(result.state)}"; use one of ${FINISHED_STATES.join(', ')}`);
  }
}

/** Runtime guard for `StudyTransaction.insertTrial` (same checks in every store). */
export function checkInsert(trial: TrialInsert): void {
  if (!['running', 'waiting', 'failed'].includes(trial.state)) throw storeErrors.insertInvalid(`state must be running, waiting or failed, got "${String(trial.state)}"`);
  if (trial.state === 'running' && !trial.owner) throw storeErrors.insertInvalid('a running trial needs an owner');
  if (trial.state !== 'running' && trial.owner !== undefined) throw storeErrors.insertInvalid(`a ${trial.state} trial has no owner`);
  if (!(Number.isInteger(trial.attempt) && trial.attempt >= 1)) throw storeErrors.insertInvalid(`attempt must be an integer >= 1, got ${trial.attempt}`);
}

/** Drops keys whose value is undefined, so every Store returns the same object shapes. */
export function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
