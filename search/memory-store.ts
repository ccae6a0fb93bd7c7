import type { StudyDefinition } from './config.js';
import type { NewTrial, Store, StudyPatch, TrialResult } from './store.js';
import type { EpochMetrics, Study, Trial } from './types.js';
import { checkResult, compact, storeErrors } from './store-errors.js';

export interface MemoryStoreOptions {
  /** Injected clock (ms) for createdAt / startedAt / heartbeatAt. */
  now?: () => number;
}

/**
 * A Store in process memory: for tests, dry runs and the programmatic API without a file.
 * Everything goes in and comes out through `structuredClone`, so callers never share
 * objects with the store (the snapshot rule of the Store contract).
 */
export class MemoryStore implements Store {
  private readonly now: () => number;
  private readonly studies = new Map<number, Study>();
  private readonly trials = new Map<number, Trial>();
  private readonly epochs = new Map<number, EpochMetrics[]>();
  private nextStudyId = 1;
  private nextTrialId = 1;
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async createStudy(name: string, definition: StudyDefinition): Promise<Study> {
    this.open();
    if ([...this.studies.values()].some((s) => s.name === name)) throw storeErrors.studyExists(name);
    const at = this.now();
    const study: Study = { id: this.nextStudyId++, name, definition: structuredClone(definition), state: 'running', createdAt: at, updatedAt: at };
    this.studies.set(study.id, study);
    return structuredClone(study);
  }

  async getStudy(name: string): Promise<Study | undefined> {
    this.open();
    const study = [...this.studies.values()].find((s) => s.name === name);
    return study && structuredClone(study);
  }

  async listStudies(): Promise<Study[]> {
    this.open();
    return structuredClone([...this.studies.values()]);
  }

  async updateStudy(studyId: number, patch: StudyPatch): Promise<void> {
    this.open();
    const study = this.study(studyId);
    const copy = structuredClone(patch);
    if (copy.state !== undefined) study.state = copy.state;
    if (copy.strategyState !== undefined) study.strategyState = copy.strategyState;
    if (copy.dataChecksums !== undefined) study.dataChecksums = copy.dataChecksums;
    if (copy.backend !== undefined) study.backend = copy.backend;
    if (copy.testResults !== undefined) study.testResults = copy.testResults;
    study.updatedAt = this.now();
  }

  async deleteStudy(studyId: number): Promise<void> {
    this.open();
    this.study(studyId);
    for (const [id, t] of this.trials) {
      if (t.studyId !== studyId) continue;
      this.trials.delete(id);
      this.epochs.delete(id);
    }
    this.studies.delete(studyId);
  }

  async createTrial(studyId: number, trial: NewTrial): Promise<Trial> {
    this.open();
    this.study(studyId);
    const t = structuredClone(trial);
    const number = [...this.trials.values()].filter((x) => x.studyId === studyId).length;
    const at = this.now();
    const stored: Trial = compact({
      id: this.nextTrialId++, studyId, number, state: 'running', sample: t.sample, architecture: t.architecture, seed: t.seed,
      group: t.group, label: t.label, training: t.training, attributes: t.attributes, startedAt: at, heartbeatAt: at,
    });
    this.trials.set(stored.id, stored);
    this.epochs.set(stored.id, []);
    return structuredClone(stored);
  }

  async heartbeat(trialId: number): Promise<void> {
    this.open();
    const trial = this.trial(trialId);
    // A late ping after the trial ended is harmless; it must not change a finished trial.
    if (trial.state === 'running') trial.heartbeatAt = this.now();
  }

  async addEpoch(trialId: number, metrics: EpochMetrics): Promise<void> {
    this.open();
    const trial = this.trial(trialId);
    if (trial.state !== 'running') throw storeErrors.trialFinished(trialId, `adding epoch ${metrics.epoch}`);
    const curve = this.epochs.get(trialId)!;
    if (curve.some((e) => e.epoch === metrics.epoch)) throw storeErrors.epochExists(trialId, metrics.epoch);
    curve.push(compact(structuredClone(metrics)));
    curve.sort((a, b) => a.epoch - b.epoch);
  }

  async finishTrial(trialId: number, result: TrialResult): Promise<Trial> {
    this.open();
    checkResult(trialId, result);
    const trial = this.trial(trialId);
    if (trial.state !== 'running') throw storeErrors.trialFinished(trialId, `finishing it as ${result.state}`);
    const r = structuredClone(result);
    Object.assign(trial, compact({ state: r.state, metrics: r.metrics, error: r.error, finishedAt: this.now() }));
    return structuredClone(trial);
  }

  async getTrials(studyId: number): Promise<Trial[]> {
    this.open();
    return structuredClone([...this.trials.values()].filter((t) => t.studyId === studyId).sort((a, b) => a.number - b.number));
  }

  async getTrial(studyId: number, number: number): Promise<Trial | undefined> {
    this.open();
    const trial = [...this.trials.values()].find((t) => t.studyId === studyId && t.number === number);
    return trial && structuredClone(trial);
  }

  async getEpochs(trialId: number): Promise<EpochMetrics[]> {
    this.open();
    return structuredClone(this.epochs.get(trialId) ?? []);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private open(): void {
    if (this.closed) throw storeErrors.closed('this memory store');
  }

  private study(id: number): Study {
    const study = this.studies.get(id);
    if (!study) throw storeErrors.studyNotFound(id);
    return study;
  }

  private trial(id: number): Trial {
    const trial = this.trials.get(id);
    if (!trial) throw storeErrors.trialNotFound(id);
    return trial;
  }
}
