// evaluators/: the only code that imports tfjs. Backend choice, network builder, training,
// accounting, the Evaluator implementation, artifacts and export.
export { BACKENDS, chooseBackend, probeBackends, TFJS_NAME, type BackendChoice, type BackendName, type BackendProbe, type ChosenBackend } from './backend.js';
export { countNetwork, weightSparsity, TRAINING_STEP_FACTOR, type Accounting } from './accounting.js';
export { buildNetwork, buildPlannedNetwork } from './network/build-network.js';
export { buildDartsOp, type DartsOpNetwork, type DartsOpOptions } from './network/darts-op.js';
export { LAYER_BUILDERS, layerBuilder } from './network/layers/registry.js';
export type { BuildContext, ExportContext, LayerBuilder } from './network/layers/types.js';
export type { ForwardOptions, LayerRecord, NamedTensor, Network } from './network/types.js';
export { trainNetwork, type TrainOptions, type TrainResult } from './train.js';
export { TfjsEvaluator, type DatasetLoader, type SparseMethodFactory, type TfjsEvaluatorOptions } from './tfjs-evaluator.js';
export { readTrialArtifacts, writeTrialArtifacts, type TrialArtifacts, type WeightsManifest } from './artifacts.js';
export { syntheticDataset, type SyntheticOptions } from './synthetic-dataset.js';
export { createSparseMethod, type MaskedParam, type SparseMethod, type SparseStepContext } from './sparse/index.js';
export { loadDataset, type Dataset, type Split } from './data/index.js';
export { ArchitectureError, ArtifactError, BackendUnavailableError, TrialAbortedError } from './errors.js';
export { evaluatorsModule, tfjsEvaluatorFactory } from './module.js';
export {
  BUILT_IN_TRAINING_METHODS, TrainingMethodFactory, TrainingMethodRegistry, trainingMethodsModule,
  type Batch, type MethodSetup, type MethodSplit, type MethodStepContext, type MethodTools, type StepOutcome, type TrainingMethod,
} from './methods/index.js';
export { buildLayersModel, exportTrialModel, type WeightSource } from './export.js';
export { fileLoadHandler, fileSaveHandler } from './file-io.js';
