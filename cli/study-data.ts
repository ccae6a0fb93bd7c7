import { SparsenasError, type DatasetConfig, type Study } from '../search/index.js';
import { loadDataset, type Dataset } from '../evaluators/index.js';
import type { ExportedTrial } from './export-model.js';

/** Where a study's data is described: the study itself, an exported `trial.json`, or the two values. */
export type StudyDataSource =
  | Pick<Study, 'definition'>
  | Pick<ExportedTrial, 'dataset' | 'studySeed'>
  | { dataset: DatasetConfig; seed: number };

/**
 * The train, validation and test splits a study evaluated on: its dataset configuration
 * loaded with its seed (the validation split is carved from the training files with the study's
 * seed, so any other seed gives other splits). Pass a study (`openStudy(...).study`,
 * `outcome.study`), an exported model's `trial.json`, or `{ dataset, seed }`:
 *
 *   const card = JSON.parse(readFileSync('model/trial.json', 'utf8'));
 *   const { validation, test, shape } = await loadStudyDataset(card);
 *
 * Values are float32 in [0, 1] (images: byte / 255), labels class indices: what the model takes.
 */
export async function loadStudyDataset(source: StudyDataSource): Promise<Dataset> {
  const { dataset, seed } = resolveSource(source);
  return loadDataset(dataset, seed);
}

function resolveSource(source: StudyDataSource): { dataset: DatasetConfig; seed: number } {
  if ('definition' in source && source.definition) return { dataset: source.definition.dataset, seed: source.definition.seed };
  if ('studySeed' in source && typeof source.studySeed === 'number') return { dataset: source.dataset, seed: source.studySeed };
  if ('seed' in source && typeof source.seed === 'number' && 'dataset' in source && !('trial' in source)) return { dataset: source.dataset, seed: source.seed };
  throw new SparsenasError('USAGE',
    'loadStudyDataset needs a study, an exported trial.json with studySeed (exports made before trial.json carried it lack it: export the model again), or { dataset, seed }');
}
