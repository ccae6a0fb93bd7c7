// Fakes for runner and protocol tests that import no rxjs and no zod, so a worker process
// started by a protocol test (protocol-harness.ts) starts fast.
import { SpaceError } from '../../search/errors.js';
import { DENSE_SPARSITY } from '../../search/architecture.js';
import type {
  Architecture, Candidate, EvaluationRequest, Evaluator, Json, Metrics, SearchSpace, Strategy, Trial, TrialReporter,
} from '../../search/index.js';

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

/** One dimension, `units` in 1..64; the architecture is the fixture MLP of that width. */
export const fakeSpace: SearchSpace = {
  name: 'fake',
  dimensions: [{ name: 'units', kind: 'int', low: 1, high: 64 }],
  check(sample) {
    const u = sample['units'];
    if (!(typeof u === 'number' && Number.isInteger(u) && u >= 1 && u <= 64)) return new SpaceError('units', `units must be an integer in [1, 64], got ${JSON.stringify(u)}`);
    return undefined;
  },
  freeze(sample) {
    const problem = this.check(sample);
    if (problem) throw problem;
    return architecture(sample['units'] as number);
  },
};

export type Behaviour = (req: EvaluationRequest, reporter: TrialReporter, signal: AbortSignal) => Promise<Metrics>;

/** Reports every epoch, then returns metrics whose accuracy grows with the width. */
export const trainNormally: Behaviour = async (req, reporter) => {
  const units = req.architecture.layers[0]!.type === 'dense' ? req.architecture.layers[0]!.units : 1;
  for (let e = 0; e < req.training.epochs; e++) {
    await reporter.epochEnded({ epoch: e, trainLoss: 1 / (e + 1), valLoss: 1 / (e + 1), valAccuracy: units / 100 + e / 1000, elapsedMs: 1 });
  }
  return fullMetrics(units / 100);
};

/** An evaluator whose behaviour is chosen per trial number; records every request. */
export class FakeEvaluator implements Evaluator {
  readonly requests: EvaluationRequest[] = [];
  disposed = false;

  constructor(private readonly behaviour: (trialNumber: number) => Behaviour = () => trainNormally) {}

  async prepare() {
    return { backend: 'fake', reason: 'test double', dataChecksums: { 'fake.bin': '00ff' } };
  }

  evaluate(req: EvaluationRequest, reporter: TrialReporter, signal: AbortSignal): Promise<Metrics> {
    this.requests.push(structuredClone(req));
    return this.behaviour(req.trialNumber)(req, reporter, signal);
  }

  async dispose() {
    this.disposed = true;
  }
}

/**
 * Counts 1, 2, 3… like `counting`, and keeps the numbers of the trials it was told about in its
 * snapshot: the stored snapshot then proves each finished trial was told exactly once, in the
 * same transaction as the snapshot, even across kills and several workers.
 */
export class RecordingStrategy implements Strategy {
  cursor = 0;
  told: number[] = [];

  init(): void {}

  ask(): Candidate {
    return { sample: { units: (this.cursor++ % 64) + 1 } };
  }

  tell(trial: Trial): void {
    this.told.push(trial.number);
  }

  snapshot(): Json {
    return { cursor: this.cursor, told: this.told };
  }

  restore(state: Json): void {
    const s = state as { cursor: number; told: number[] };
    this.cursor = s.cursor;
    this.told = [...s.told];
  }
}

/** Trains `epochs` epochs of `epochMs` each (timers, like a real evaluator yielding between steps). */
export function slowTraining(epochMs: number): Behaviour {
  return async (req, reporter, signal) => {
    const units = req.architecture.layers[0]!.type === 'dense' ? req.architecture.layers[0]!.units : 1;
    for (let e = 0; e < req.training.epochs; e++) {
      await new Promise((r) => setTimeout(r, epochMs));
      if (signal.aborted) throw new Error('training aborted');
      await reporter.epochEnded({ epoch: e, trainLoss: 1 / (e + 1), valLoss: 1 / (e + 1), valAccuracy: units / 100 + e / 1000, elapsedMs: epochMs });
    }
    // Validation only: the test split is the test phase's.
    const { testAccuracy: _a, testLoss: _l, ...metrics } = fullMetrics(units / 100);
    return metrics;
  };
}
