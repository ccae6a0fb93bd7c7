import { DEFAULT_DEFINITION, DENSE_SPARSITY } from '../../search/index.js';
import type { Architecture, EpochMetrics, Lease, Metrics, NewTrial, Store, StudyDefinition, Trial, TrialResult } from '../../search/index.js';

/** A valid study definition; `patch` replaces top-level keys. */
export function definition(patch: Partial<StudyDefinition> = {}): StudyDefinition {
  return { ...structuredClone(DEFAULT_DEFINITION), ...structuredClone(patch) };
}

export function architecture(units = 32): Architecture {
  return {
    family: 'mlp', input: 'flat',
    layers: [{ type: 'dense', units, activation: 'relu' }, { type: 'dropout', rate: 0.1 }],
    sparsity: { ...DENSE_SPARSITY, level: 0.9, method: 'rigl', distribution: 'erk' },
  };
}

/** Metrics with every optional field set, per-layer stats and a non-finite extra. */
export function fullMetrics(valAccuracy = 0.85): Metrics {
  return {
    valAccuracy, valLoss: 0.41, trainLoss: 0.38, trainAccuracy: 0.87, testAccuracy: 0.84, testLoss: 0.44,
    params: 25_450, nonZeros: 2_545, sparsity: 0.9, denseFlops: 50_880, sparseFlops: 5_088, trainTimeMs: 1234.5,
    epochs: 3, samplesPerSecond: 8123.25, backend: 'wasm',
    layers: [
      { name: 'dense_0', type: 'dense', params: 25_120, nonZeros: 2_512, sparsity: 0.9, denseFlops: 50_240, sparseFlops: 5_024 },
      { name: 'classifier', type: 'dense', params: 330, nonZeros: 33, sparsity: 0.9, denseFlops: 640, sparseFlops: 64 },
    ],
    outputs: { genotype: ['sep_conv_3x3', 'skip'], groups: { kept: 3 } },
    extra: { epochsToThreshold: Infinity, nodeSparsity: 0.25 },
  };
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
