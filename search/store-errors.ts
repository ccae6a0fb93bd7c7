import { StoreError } from './errors.js';
import type { TrialResult } from './store.js';
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
};

/** Runtime guard for callers that bypass the types (plugins, JSON). */
export function checkResult(trialId: number, result: TrialResult): void {
  if (!FINISHED_STATES.includes(result.state)) {
    throw new StoreError('TRIAL_STATE_INVALID', `cannot finish trial ${trialId} as "${String(result.state)}"; use one of ${FINISHED_STATES.join(', ')}`);
  }
}

/** Drops keys whose value is undefined, so every Store returns the same object shapes. */
export function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
