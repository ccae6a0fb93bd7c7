import { DEFAULT_DEFINITION, type Architecture, type EpochMetrics, type Metrics, type Study, type Trial } from '../../search/index.js';

/** Fake data built from the real types: trials with metrics and per-layer stats, a study, curves. */
export function mlp(units: number[], level = 0.9, method: Architecture['sparsity']['method'] = 'rigl'): Architecture {
  return {
    family: 'mlp', input: 'flat',
    layers: units.map((u) => ({ type: 'dense' as const, units: u, activation: 'relu' as const })),
    sparsity: { level, kind: 'unstructured', method, init: 'random', distribution: 'uniform' },
  };
}

export function metrics(valAccuracy: number, sparseFlops: number, over: Partial<Metrics> = {}): Metrics {
  const params = 535_818;
  const sparsity = over.sparsity ?? 0.9;
  return {
    valAccuracy, valLoss: 1 - valAccuracy, trainLoss: 1.1 - valAccuracy, params,
    nonZeros: Math.round(params * (1 - sparsity)), sparsity, denseFlops: 1_071_636, sparseFlops,
    trainTimeMs: 12_300, epochs: 3, samplesPerSecond: 5000, backend: 'wasm',
    layers: [
      { name: 'dense_1', type: 'dense', params: 401_920, nonZeros: 40_192, sparsity: 0.9, denseFlops: 803_840, sparseFlops: 80_384 },
      { name: 'dense_2', type: 'dense', params: 131_328, nonZeros: 13_133, sparsity: 0.9, denseFlops: 262_656, sparseFlops: 26_266 },
      { name: 'classifier', type: 'dense', params: 2_570, nonZeros: 2_570, sparsity: 0, denseFlops: 5_140, sparseFlops: 5_140 },
    ],
    ...over,
  };
}

export function trial(number: number, over: Partial<Trial> = {}): Trial {
  return {
    id: 100 + number, studyId: 1, number, state: 'completed', sample: { width: 512 },
    architecture: mlp([512, 256]), seed: 7 + number, startedAt: 1_000_000 + number * 20_000,
    finishedAt: 1_000_000 + number * 20_000 + 12_500, ...over,
  };
}

export function curve(final: number, epochs = 3): EpochMetrics[] {
  return Array.from({ length: epochs }, (_, i) => {
    const f = (i + 1) / epochs;
    return { epoch: i + 1, trainLoss: 2 - 1.5 * f, valLoss: 2 - 1.4 * f, valAccuracy: final * (0.7 + 0.3 * f), elapsedMs: 4000 * (i + 1) };
  });
}

/** A study with completed trials (distinct accuracy/FLOPs trade-offs), a pruned and a failed one. */
export function fakeStudy(name = 'mnist-sparse'): { study: Study; trials: Trial[] } {
  const study: Study = {
    id: 1, name, definition: { ...DEFAULT_DEFINITION, study: name, budget: { maxTrials: 6 } }, state: 'finished',
    createdAt: 1_000_000, updatedAt: 1_200_000, backend: 'wasm',
    dataChecksums: { 'train-images-idx3-ubyte.gz': 'a'.repeat(64) },
  };
  const trials = [
    trial(0, { metrics: metrics(0.81, 120_000) }),
    trial(1, { metrics: metrics(0.86, 400_000, { sparsity: 0.7 }), architecture: mlp([1024, 512], 0.7, 'gmp'), group: 'searched' }),
    trial(2, { metrics: metrics(0.79, 300_000), group: 'random-control', label: 'ctrl' }),
    trial(3, { state: 'pruned', error: 'trial pruned after epoch 1' }),
    trial(4, { state: 'failed', error: 'loss is not finite at epoch 2; lower the learning rate' }),
    trial(5, { metrics: metrics(0.88, 1_000_000, { sparsity: 0.5, testAccuracy: 0.87 }), architecture: mlp([2048], 0.5, 'static') }),
  ];
  return { study, trials };
}
