import type { Architecture } from './architecture.js';
import type { StudyDefinition } from './config.js';
import type { DatasetConfig, EpochMetrics, Metrics, TrainingConfig } from './types.js';

export interface EvaluationRequest {
  studyName: string;
  trialNumber: number;
  architecture: Architecture;
  training: TrainingConfig;
  dataset: DatasetConfig;
  seed: number;
  /** Where the evaluator may write the trained weights (atomically), if set. */
  artifactDir?: string;
}

/** Measure one trained trial on the test split, from the weights its evaluation saved. */
export interface TestRequest {
  studyName: string;
  trialNumber: number;
  architecture: Architecture;
  dataset: DatasetConfig;
  /** The trial's training (definition and overrides merged); evaluation batches follow it, as in training. */
  training: TrainingConfig;
  seed: number;
  /** The trial's `EvaluationRequest.artifactDir`, where its trained weights are. */
  artifactDir: string;
}

/** Where a trial's training is: `batch` of `batches` (1-based) in `epoch` (1-based). */
export interface BatchProgress {
  epoch: number;
  batch: number;
  batches: number;
}

/** The evaluator reports progress through this; the runner records it and feeds the pruner. */
export interface TrialReporter {
  /**
   * Called after every epoch. Throws `TrialPrunedError` when the pruner stops the trial;
   * the evaluator must let it propagate (after disposing its tensors).
   */
  epochEnded(metrics: EpochMetrics): void | Promise<void>;
  /**
   * Optional, called after each training batch (`batch` of `batches` in `epoch`, 1-based), so a
   * dashboard shows progress inside a long epoch. Cheap: the runner throttles what it publishes.
   */
  batchEnded?(progress: BatchProgress): void;
}

export interface EvaluatorInfo {
  /** The backend that runs, e.g. 'wasm'. */
  backend: string;
  /** Why it was chosen and why faster ones were skipped, one line. */
  reason: string;
  /** sha256 of each data file used. */
  dataChecksums?: { [file: string]: string };
  /** Dataset summary for headers (name, sizes, shape, classes). */
  dataset?: { name: string; train: number; validation: number; test: number; shape: number[]; classes: number };
  /**
   * The training methods (`training.method.name`) this evaluator can train, e.g.
   * ['wgsef', 'group-lasso']. Strategies see them as `StrategyContext.trainingMethods`; the runner
   * fails a trial that asks for another one before it reaches `evaluate`. None when absent.
   */
  trainingMethods?: string[];
}

/** Trains and measures candidates. Implementations live in `evaluators/` (the only tfjs code). */
export interface Evaluator {
  /** Called once before the first trial: choose the backend, load the data. */
  prepare(definition: StudyDefinition): Promise<EvaluatorInfo>;
  /** Trains one candidate and returns its metrics; throws on failure (the trial becomes failed). */
  evaluate(request: EvaluationRequest, reporter: TrialReporter, signal: AbortSignal): Promise<Metrics>;
  /**
   * Optional: the test accuracy and loss of a trial trained earlier, from its saved weights.
   * The runner calls it only after the search, for the best `testTopK` trials; throws when the
   * weights are missing or do not fit the architecture.
   */
  evaluateTest?(request: TestRequest): Promise<{ testAccuracy: number; testLoss: number }>;
  /** Releases the backend and data. */
  dispose(): Promise<void>;
}
export const Evaluator = Symbol.for('sparsenas.Evaluator');

export interface EvaluatorFactory {
  readonly name: string;
  readonly description: string;
  source?: string;
  create(options: import('./json.js').JsonObject): Evaluator;
}
export const EvaluatorFactory = Symbol.for('sparsenas.EvaluatorFactory');
