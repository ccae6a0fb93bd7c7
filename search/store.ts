import type { StudyDefinition } from './config.js';
import type { Json } from './json.js';
import type { Architecture } from './architecture.js';
import type { Candidate, EpochMetrics, Metrics, Sample, Study, StudyState, TestResults, Trial, TrialState } from './types.js';

export interface NewTrial {
  sample: Sample;
  architecture: Architecture | null;
  seed: number;
  group?: string;
  label?: string;
  training?: Candidate['training'];
  attributes?: Candidate['attributes'];
}

export interface TrialResult {
  state: Exclude<TrialState, 'running'>;
  metrics?: Metrics;
  error?: string;
}

/** Fields `updateStudy` may change; each one given replaces the stored value. */
export interface StudyPatch {
  state?: StudyState;
  strategyState?: Json;
  dataChecksums?: Study['dataChecksums'];
  backend?: string;
  /** Replaces the whole map: write every tested trial, not only the new ones. */
  testResults?: TestResults;
}

/**
 * Persistence contract (every Store passes `test/search/store-conformance.ts`):
 * - Study names are unique; `createStudy` on an existing name throws `STUDY_EXISTS`.
 * - Trial numbers are 0, 1, 2… per study, assigned by `createTrial`.
 * - A trial is `running` until `finishTrial`; a finished trial is immutable: finishing it
 *   again, or adding epochs to it, throws `TRIAL_FINISHED`.
 * - Everything returned is a snapshot: mutating it changes nothing stored.
 * - Writes are durable when the promise resolves.
 */
export interface Store {
  createStudy(name: string, definition: StudyDefinition): Promise<Study>;
  getStudy(name: string): Promise<Study | undefined>;
  listStudies(): Promise<Study[]>;
  updateStudy(studyId: number, patch: StudyPatch): Promise<void>;
  /** Deletes a study with its trials and epochs. */
  deleteStudy(studyId: number): Promise<void>;

  createTrial(studyId: number, trial: NewTrial): Promise<Trial>;
  /** Liveness of a running trial; a resume treats a running trial with an old heartbeat as dead. */
  heartbeat(trialId: number): Promise<void>;
  addEpoch(trialId: number, metrics: EpochMetrics): Promise<void>;
  finishTrial(trialId: number, result: TrialResult): Promise<Trial>;
  getTrials(studyId: number): Promise<Trial[]>;
  getTrial(studyId: number, number: number): Promise<Trial | undefined>;
  getEpochs(trialId: number): Promise<EpochMetrics[]>;
  close(): Promise<void>;
}
export const Store = Symbol.for('sparsenas.Store');
