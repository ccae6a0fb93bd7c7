import type { Architecture } from './architecture.js';
import type { Json, JsonObject } from './json.js';
import type { StudyDefinition } from './config.js';

/**
 * `waiting`: queued (a redo of an interrupted trial), no owner yet; `running`: leased by one
 * worker (`owner`, `attempt`); the other four are final and immutable.
 */
export type TrialState = 'waiting' | 'running' | 'completed' | 'pruned' | 'failed' | 'interrupted';
export const FINISHED_STATES: readonly TrialState[] = ['completed', 'pruned', 'failed', 'interrupted'];
/** Final states that count toward `budget.maxTrials` (an interrupted trial is redone instead). */
export const COUNTED_STATES: readonly TrialState[] = ['completed', 'pruned', 'failed'];
export type StudyState = 'running' | 'finished' | 'stopped' | 'interrupted';

/** A point in a space: one value per dimension name. */
export type Sample = { [dimension: string]: Json };

/** What a strategy proposes; the runner turns it into a trial. */
export interface Candidate {
  /** Values for the space's dimensions (may be empty when `architecture` is given). */
  sample: Sample;
  /** Set when the strategy builds or transforms the architecture itself; else `space.freeze(sample)`. */
  architecture?: Architecture;
  /** Group and label for comparisons in leaderboards and reports (e.g. 'searched', 'random-control'). */
  group?: string;
  label?: string;
  /** Training overrides for this candidate only (e.g. fewer epochs for a proxy score). */
  training?: Partial<TrainingConfig>;
  /** Seed for this trial; default derived from the study seed and the trial number. */
  seed?: number;
  /** Anything the strategy wants stored with the trial (JSON). */
  attributes?: JsonObject;
}

export interface TrainingConfig {
  epochs: number;
  /** Stop after this many optimiser steps (at most `epochs` passes); 0 evaluates at initialisation (proxy scores). */
  steps?: number;
  batchSize: number;
  optimizer: 'adam' | 'sgd' | 'momentum' | 'rmsprop';
  learningRate: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  /** Clip the global gradient norm to this value. */
  gradClipNorm?: number;
  /** Learning-rate schedule over the whole run. */
  lrSchedule?: 'constant' | 'cosine';
  /** Evaluate on the test split at the end (only the final best trials should). */
  evaluateTest?: boolean;
  /**
   * Train with a named method of the evaluator (WGSEF, group lasso; one-shot supernets) instead
   * of plain optimiser steps. The evaluator declares the names it trains
   * (`EvaluatorInfo.trainingMethods`); a strategy that asks for one checks that in `init`
   * (`requireTrainingMethods`). What a method reports ends up in `Metrics.outputs` and
   * `EpochMetrics.outputs`.
   */
  method?: TrainingMethodConfig;
}

/** `training.method`: the method's name and its options (plain JSON, validated by the method). */
export interface TrainingMethodConfig {
  name: string;
  options: JsonObject;
}

export interface DatasetConfig {
  /** `embedded`, a known name (`fashion-mnist`, `mnist`, `kmnist`, `cifar10`, `cifar100`) or a path. */
  name: string;
  dataDir?: string;
  /** Use at most this many training samples, stratified by class. */
  subset?: number;
  /** Fraction of the training files carved out (by seed) for validation. */
  validationFraction: number;
  /** Label column of a CSV file (name or index). */
  labelColumn?: string | number;
}

export interface LayerStats {
  name: string;
  type: string;
  params: number;
  nonZeros: number;
  sparsity: number;
  denseFlops: number;
  sparseFlops: number;
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  valAccuracy: number;
  trainAccuracy?: number;
  /** Current weight sparsity of the sparsifiable layers (changes under GMP). */
  sparsity?: number;
  elapsedMs: number;
  /**
   * What the trial's training method reports after this epoch (a DASS phase and genotype, a
   * WGSEF λ...): stored with the epoch and carried by `trial.epochEnded`.
   */
  outputs?: JsonObject;
}

/**
 * Whether a trained network predicts no better than a uniform guess: validation accuracy at most
 * 1.2/classes and validation loss at least 0.97·ln(classes) (the loss of a uniform softmax).
 */
export function endedAtChance(m: Pick<Metrics, 'valAccuracy' | 'valLoss'>, classes: number): boolean {
  if (!(Number.isInteger(classes) && classes >= 2)) return false;
  return m.valAccuracy <= 1.2 / classes && m.valLoss >= 0.97 * Math.log(classes);
}

export interface Metrics {
  valAccuracy: number;
  valLoss: number;
  trainLoss: number;
  trainAccuracy?: number;
  testAccuracy?: number;
  testLoss?: number;
  /** All trainable parameters, including masked ones. */
  params: number;
  /** Parameters that are not masked to zero. */
  nonZeros: number;
  /** 1 − nonZeros / params over all weights. */
  sparsity: number;
  /** Forward FLOPs (multiply-adds × 2) for one sample, dense and with masks applied. */
  denseFlops: number;
  sparseFlops: number;
  trainTimeMs: number;
  epochs: number;
  samplesPerSecond: number;
  backend: string;
  /** Why this trial ran on `backend` rather than the study's (a GPU backend's per-trial fallback). */
  backendReason?: string;
  layers: LayerStats[];
  /** Strategy-specific outputs of a one-shot run (a DARTS genotype, surviving WGSEF groups...). */
  outputs?: JsonObject;
  /**
   * Set when the trial ended at chance (`endedAtChance`): validation accuracy about 1/classes and
   * loss about ln(classes). Every view flags it "did not learn".
   */
  didNotLearn?: boolean;
  /** Layers that trained on the native sparse kernels (sparse W ⊙ M from the mask's non-zeros); absent: none. */
  sparseKernels?: string[];
  /**
   * Median inference latency in milliseconds of one forward pass at batch 1 and batch 128, on
   * the backend that evaluated the trial, after warm-up (absent when not measured).
   */
  latencyMsB1?: number;
  latencyMsB128?: number;
  /**
   * Set when the trial violates the study's `constraints` (e.g. `latencyMsB1 2.4 > maxLatencyMs 2`):
   * it is shown marked and takes no part in ranking or the Pareto front.
   */
  infeasible?: string;
  /** Extra named scalars (e.g. epochsToThreshold, nodeSparsity). */
  extra?: { [name: string]: number };
}

export interface Study {
  id: number;
  name: string;
  definition: StudyDefinition;
  state: StudyState;
  createdAt: number;
  updatedAt: number;
  /** sha256 per data file, so every result traces back to its data. */
  dataChecksums?: { [file: string]: string };
  backend?: string;
  /** Strategy snapshot saved after every ask and every tell, for resume. */
  strategyState?: Json;
  /**
   * Test-split results of the study's best trials (`testTopK`), by trial number. Kept here, not
   * in the trials' metrics: finished trials are immutable, and the test split is measured only
   * once the search is over, so it never takes part in selection.
   */
  testResults?: TestResults;
  /** When the current run (a search or resume) began, the store's clock: the time limit counts from it. */
  runStartedAt?: number;
  /** The worker measuring the test split now (the test phase runs once, by one worker). */
  tester?: string;
}

/** One trial measured on the held-out test split from its saved weights. */
export interface TrialTestResult {
  testAccuracy: number;
  testLoss: number;
  /** When it was measured (ms since epoch, the store's clock). */
  evaluatedAt: number;
}

/** Test results by trial number (JSON object keys, so numbers as strings on disk). */
export type TestResults = { [trialNumber: number]: TrialTestResult };

export interface Trial {
  id: number;
  studyId: number;
  /** 0-based, dense within a study. */
  number: number;
  state: TrialState;
  sample: Sample;
  /** Null only for a trial that failed before its architecture could be built (bad sample, strategy error). */
  architecture: Architecture | null;
  seed: number;
  group?: string;
  label?: string;
  training?: Partial<TrainingConfig>;
  attributes?: JsonObject;
  metrics?: Metrics;
  error?: string;
  /** When it was queued (waiting) or claimed (running and later states). */
  startedAt: number;
  finishedAt?: number;
  heartbeatAt?: number;
  /** The worker holding (or that last held) the lease; absent for waiting trials and old databases. */
  owner?: string;
  /**
   * 1 for a candidate's first trial; a redo of an interrupted trial (attribute `redoOf`) has its
   * predecessor's attempt + 1. With `owner` and the trial id it is the lease's fencing token.
   * Stores always set it; hand-built trials may leave it out (read as 1).
   */
  attempt?: number;
  /** When the strategy was told how this trial ended (in the same transaction as its snapshot). */
  toldAt?: number;
}

/** A process taking part in a study (one row of the store's `workers`). */
export interface WorkerInfo {
  /** Unique per process, chosen by the worker (e.g. `host:pid:random`). */
  id: string;
  studyId: number;
  host: string;
  pid: number;
  /**
   * Opaque identity of the pid namespace the worker runs in (boot id and pid namespace): two
   * workers with the same `machine` may test each other's pid for liveness.
   */
  machine?: string;
  /** The backend it trains on; a study's workers may differ (a GPU host and CPU hosts). */
  backend?: string;
  /** Where its trials' weights are, on `host` (`<artifacts>/trial-N`); absent when it saves none. */
  artifacts?: string;
  startedAt: number;
  heartbeatAt: number;
  /** Set when it left, or was declared dead by `resume --force`; it never writes again. */
  endedAt?: number;
}
