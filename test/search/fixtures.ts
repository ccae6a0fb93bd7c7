import { DEFAULT_DEFINITION } from '../../search/index.js';
import type { EpochMetrics, Lease, Metrics, NewTrial, Store, StudyDefinition, Trial, TrialResult } from '../../search/index.js';
import { fullMetrics } from './protocol-fakes.js';

export { architecture, fullMetrics } from './protocol-fakes.js';

/** A valid study definition; `patch` replaces top-level keys. */
export function definition(patch: Partial<StudyDefinition> = {}): StudyDefinition {
  return { ...structuredClone(DEFAULT_DEFINITION), ...structuredClone(patch) };
}

export function epoch(epoch: number, valAccuracy = 0.5 + epoch / 100): EpochMetrics {
  return { epoch, trainLoss: 1 / (epoch + 1), valLoss: 1.1 / (epoch + 1), valAccuracy, trainAccuracy: valAccuracy + 0.01, sparsity: 0.9, elapsedMs: 100 * (epoch + 1) };
}

/** A completed trial with the given metrics, for leaderboard and pruner tests. */
export function completedTrial(number: number, metrics: Partial<Metrics>, state: Trial['state'] = 'completed'): Trial {
  return {
    id: number + 1, studyId: 1, number, state, sample: {}, architecture: null, seed: number,
    metrics: { ...fullMetrics(), extra: {}, ...metrics }, startedAt: 0,
  };
}

/** The lease of a running trial as the store returned it. */
export function leaseOf(t: Trial): Lease {
  return { trialId: t.id, owner: t.owner!, attempt: t.attempt ?? 1 };
}

/**
 * Inserts a running trial owned by `owner` (one transaction), as a worker does after asking;
 * with `result`, finishes it too. For tests that need stored trials, not the protocol.
 */
export async function storeTrial(store: Store, studyId: number, trial: NewTrial, result?: TrialResult, owner = 'test-worker'): Promise<Trial> {
  const t = await store.transact(studyId, (tx) => tx.insertTrial({ ...trial, state: 'running', owner, attempt: 1 }));
  if (!result) return t;
  return (await store.finishTrial(leaseOf(t), result))!;
}
