import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SparsenasError } from '../search/index.js';
import type { Architecture, DatasetConfig, Metrics, Objective, Store, TrainingConfig, Trial } from '../search/index.js';
import { ArtifactError, exportTrialModel, readTrialArtifacts } from '../evaluators/index.js';
import { hostname } from 'node:os';
import { locateTrialArtifacts, missingArtifacts } from '../search/index.js';
import { artifactsDirFor } from './api.js';
import { studyArtifactsDir } from './open-store.js';
import { describeArchitecture, describeTrialArchitecture, oneLine } from './format/index.js';
import { openStudy } from './query.js';

export interface ExportOptions {
  /** Database file the search wrote (default ./sparsenas.db), or an open Store with `artifactsDir`. */
  db?: string | Store;
  /** Study name (default: the most recent study). */
  study?: string;
  /** Trial number (default: the best completed trial by the study's first objective). */
  trial?: number;
  /** Output directory: model.json, weights.bin and trial.json are written there. */
  out: string;
  /** The study's artifacts directory, when not beside the database (`<db>.artifacts/<study>`). */
  artifactsDir?: string;
  /** An artifacts root the search used (`--artifacts DIR`: `DIR/<study>/trial-N`). */
  artifacts?: string;
}

/** `trial.json`: what the exported model is, and what it scored while the search ran. */
export interface ExportedTrial {
  format: 'sparsenas-export/1';
  study: string;
  trial: number;
  /** The trial's seed (weights, masks, batch order). */
  seed: number;
  /**
   * The study's seed: the validation split is carved from the training files with it, so
   * `loadStudyDataset(card)` gives the splits these metrics were measured on.
   */
  studySeed: number;
  summary: string;
  architecture: Architecture;
  /**
   * The model's input: one sample of `shape`, values as sparsenas's loaders produce them
   * (images: byte / 255 in [0, 1]); the output is `classes` logits (no softmax).
   */
  input: { shape: number[]; classes: number; dataset?: string };
  sparsity: { target: Architecture['sparsity']; measured: number; params: number; nonZeros: number; layers: Metrics['layers'] };
  /** Metrics recorded during the search (test accuracy when the trial was among the `testTopK` best, or ran with `training.evaluateTest`). */
  metrics: Metrics;
  objective: Objective;
  dataset: DatasetConfig;
  training: TrainingConfig;
  exportedAt: string;
  sparsenasVersion: string;
}

export interface ExportResult {
  dir: string;
  files: string[];
  trial: Trial;
  card: ExportedTrial;
}

/**
 * Exports the trained model of a trial (the best one by default) as a standard tfjs Layers
 * model: `model.json` + `weights.bin` with the masks applied (pruned weights are stored as
 * zeros), loadable with `tf.loadLayersModel` without sparsenas, plus `trial.json`.
 */
export async function exportModel(options: ExportOptions): Promise<ExportResult> {
  const view = await openStudy(options.study, { db: options.db });
  let trial: Trial | undefined;
  try {
    const { study } = view;
    if (options.trial !== undefined) {
      trial = await view.trial(options.trial);
      if (!trial) throw new SparsenasError('TRIAL_NOT_FOUND', `study "${study.name}" has no trial ${options.trial}; \`sparsenas leaderboard --study ${study.name} --all\` lists its trials`);
      if (trial.state !== 'completed') throw new SparsenasError('TRIAL_NOT_COMPLETED', `trial ${trial.number} of study "${study.name}" is ${trial.state}, so it has no trained model; export a completed trial`);
    } else {
      trial = await view.best();
      if (!trial) throw new SparsenasError('TRIAL_NOT_FOUND', `study "${study.name}" has no completed trial to export yet`);
    }
    const roots = [options.artifactsDir, options.artifacts && studyArtifactsDir(options.artifacts, study.name), artifactsDirFor(options.db, study.name)];
    // Its worker recorded where it saved them (workers on many hosts: maybe another host).
    const found = locateTrialArtifacts(trial, await view.store.getWorkers(study.id), roots, (d) => existsSync(join(d, 'weights.json')));
    if (!found.tried.length) throw new SparsenasError('ARTIFACTS_UNKNOWN', 'exportModel: pass artifactsDir when db is an open Store or :memory: (trained weights are kept beside a database file)');
    const trialDir = found.dir ?? found.tried[0]!;
    if (!found.dir) {
      const where = found.savedOn && found.savedOn.host !== hostname()
        ? missingArtifacts(trial, found, hostname())
        : `it has no saved weights in ${found.tried.join(' or ')}; weights are saved when a search writes to a database with an evaluator that saves them (the built-in tfjs one does). Re-run the trial, pass --artifacts with the directory the search used, or --trial for another one`;
      throw new ArtifactError(trialDir, `cannot export trial ${trial.number} of study "${study.name}": ${where}`);
    }
    // The weights must be the ones this trial trained: same architecture as recorded.
    const saved = await readTrialArtifacts(trialDir);
    if (!isDeepStrictEqual(saved.architecture, trial.architecture)) {
      throw new ArtifactError(trialDir, `${trialDir} holds weights of another architecture than trial ${trial.number} of study "${study.name}" records (was the study deleted and re-created?); re-run the trial`);
    }
    await exportTrialModel(saved, options.out);
    const m = trial.metrics!;
    const card: ExportedTrial = {
      format: 'sparsenas-export/1', study: study.name, trial: trial.number, seed: trial.seed, studySeed: study.definition.seed,
      summary: oneLine(describeTrialArchitecture(trial)), architecture: trial.architecture!,
      input: { shape: saved.manifest.inputShape, classes: saved.manifest.classes, ...(saved.manifest.dataset ? { dataset: saved.manifest.dataset } : {}) },
      sparsity: { target: trial.architecture!.sparsity, measured: m.sparsity, params: m.params, nonZeros: m.nonZeros, layers: m.layers },
      metrics: m, objective: study.definition.objectives[0]!, dataset: study.definition.dataset,
      training: { ...study.definition.training, ...(trial.training ?? {}) },
      exportedAt: new Date().toISOString(), sparsenasVersion: packageVersion(),
    };
    const tmp = join(options.out, `trial.json.tmp-${process.pid}`);
    await mkdir(options.out, { recursive: true });
    await writeFile(tmp, JSON.stringify(card, null, 2) + '\n');
    await rename(tmp, join(options.out, 'trial.json'));
    return { dir: options.out, files: ['model.json', 'weights.bin', 'trial.json'], trial, card };
  } finally {
    await view.close();
  }
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
