/**
 * sparsenas — the public API. Everything the CLI does is available here:
 *
 *   import { search } from 'sparsenas';
 *   const run = search({ space: { name: 'mlp' }, budget: { maxTrials: 10 } }, { db: 'my.db' });
 *   run.events$.subscribe((e) => { if (e.type === 'trial.finished') console.log(e.trial.metrics?.valAccuracy); });
 *   const outcome = await run;            // { study, trials, best, reason }
 *   const top = await leaderboard(outcome.study.name, { db: 'my.db', top: 5, where: 'sparsity>=0.9' });
 *   await exportModel({ db: 'my.db', out: 'model/' });   // best trial, tfjs Layers format
 */
export { search, resume, openStore, SearchRun, DEFAULT_DB } from './cli/api.js';
export type { SearchOptions } from './cli/api.js';
export { openStudy, leaderboard, listStudies } from './cli/query.js';
export type { QueryOptions, StudyView } from './cli/query.js';
export type { LeaderboardQuery, LeaderboardEntry } from './cli/leaderboard/index.js';
export { exportModel } from './cli/export-model.js';
export type { ExportOptions, ExportResult, ExportedTrial } from './cli/export-model.js';
/** Load an exported model in Node without tfjs-node: `tf.loadLayersModel(fileLoadHandler(dir))`. */
export { fileLoadHandler } from './evaluators/index.js';
/** The dataset splits a study evaluated on (its dataset config with its seed), e.g. to check an exported model. */
export { loadStudyDataset } from './cli/study-data.js';
export type { StudyDataSource } from './cli/study-data.js';
export { loadDataset } from './evaluators/index.js';
export type { Dataset, Split } from './evaluators/index.js';
/** Training methods of the tfjs evaluator (`training.method`); a plugin binds its own under `TrainingMethodFactory`. */
export { TrainingMethodFactory } from './evaluators/index.js';
export type { Batch, MethodSetup, MethodStepContext, MethodTools, StepOutcome, TrainingMethod } from './evaluators/index.js';
export { createContainer } from './cli/container.js';
export { PluginError } from './cli/plugins.js';
export type { SparsenasPlugin } from './cli/plugins.js';
export { definePlugin } from './cli/define-plugin.js';

// The contracts a plugin implements, and the types it sees.
export type {
  Strategy, StrategyContext, StrategyFactory, SearchSpace, SpaceFactory, Dimension, Evaluator, EvaluatorFactory,
  EvaluationRequest, EvaluatorInfo, TrialReporter, Store, Candidate, Sample, Trial, TrialState, Study, Metrics,
  EpochMetrics, LayerStats, TrainingConfig, DatasetConfig, Architecture, LayerSpec, SparsitySpec, Json, JsonObject,
  StudyDefinition, StudyDefinitionInput, SearchEvent, SearchOutcome, Objective, Pruner, Rng, TrainingMethodConfig,
} from './search/index.js';
export {
  SparsenasError, SpaceError, ConfigError, EventBus, ofType, parseDefinition, definitionJsonSchema, createRng, deriveSeed,
  rankTrials, paretoFront, parseFilter, applyFilters, metricValue, bestTrial, MemoryStore, SqliteStore,
  MedianPruner, PercentilePruner, SuccessiveHalvingPruner, requireTrainingMethods, TrainingMethodUnavailableError,
  option, describeOptions, canonicalArchitecture,
} from './search/index.js';
export type { OptionsSchema, OptionDoc, ConfigIssue } from './search/index.js';
export { categorical, int, float, logFloat, checkSample, sampleDimension, MlpSpace, CnnSpace, DartsSpace, countArchitecture } from './spaces/index.js';
export { describeArchitecture } from './cli/format/index.js';
export { RandomStrategy, GridStrategy, EvolutionStrategy, sampleSpace } from './strategies/index.js';
