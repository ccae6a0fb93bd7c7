import * as tf from '@tensorflow/tfjs';
import {
  ConfigError, createRng, deriveSeed, layerDescriptor, SparsenasError,
  type DatasetConfig, type EvaluationRequest, type Evaluator, type EvaluatorInfo, type Metrics,
  type SparsitySpec, type StudyDefinition, type TestRequest, type TrialReporter,
} from '../search/index.js';
import { countNetwork } from './accounting.js';
import { DEFAULT_LATENCY, measureLatency } from './latency.js';
import { readTrialArtifacts, writeTrialArtifacts } from './artifacts.js';
import { DeviceSplits, evaluateSplit } from './batches.js';
import { ArtifactError } from './errors.js';
import { activateBackend, backendTraits, chooseBackend, chooseFallback, type BackendChoice, type BackendName, type BackendTraits } from './backend.js';
import { loadDataset } from './data/index.js';
import type { Dataset } from './data/types.js';
import { buildNetwork } from './network/build-network.js';
import type { Network } from './network/types.js';
import { createSparseMethod, type SparseMethod } from './sparse/index.js';
import { evaluationBatchSize, plannedSteps, sparseKernelOption, trainNetwork } from './train.js';
import { BUILT_IN_TRAINING_METHODS } from './methods/module.js';
import { TrainingMethodRegistry } from './methods/registry.js';
// The built-in methods' tfjs code (their factories, bound without tfjs, reach it once loaded).
import './methods/wgsef/group-prox-method.js';
import './methods/dass/dass-method.js';
import { forwardFor } from './methods/tools.js';
import type { TrainingMethod, TrainingMethodFactory } from './methods/types.js';
import { webGpuBufferLimit, webGpuHooks } from './webgpu/setup.js';
import { backendGap, webGpuBlocker } from './webgpu/trial-support.js';

export type DatasetLoader = (config: DatasetConfig, seed: number) => Promise<Dataset>;
/** Creates the sparse-training method of one trial from its architecture's sparsity spec. */
export type SparseMethodFactory = (spec: SparsitySpec) => SparseMethod;

export interface TfjsEvaluatorOptions {
  loader?: DatasetLoader;
  /** Default: `createSparseMethod` of evaluators/sparse. */
  methods?: SparseMethodFactory;
  /** The training methods it trains (`training.method`); default the built-ins (wgsef, group-lasso). */
  trainingMethods?: readonly TrainingMethodFactory[];
  /** Overrides the definition's `backend`. */
  backend?: BackendChoice;
  /** Let `webgpu` use a software adapter (Mesa's llvmpipe): correctness checks and tests. */
  allowSoftwareGpu?: boolean;
  /** Steps between loss read-backs; default per backend (1 on CPU backends, 8 on GPU ones). */
  readbackEvery?: number;
  /** At most this many processes (workers) train on one GPU; the others use the next CPU backend. */
  gpuConcurrency?: number;
  /** How optional backend packages are imported (a bundle maps them to its own copies). */
  importer?: (pkg: string) => Promise<unknown>;
  /**
   * Timed inference passes per trial at batch 1 and at batch 128 (median kept, after one warm-up
   * pass), stored as `latencyMsB1` / `latencyMsB128`; default 5, 0 measures no latency.
   */
  latencyRepeats?: number;
  now?: () => number;
}

/**
 * The tfjs evaluator: builds each candidate with raw ops, trains it with its sparse method,
 * measures it, and releases every tensor before returning (no leaks across trials).
 */
export class TfjsEvaluator implements Evaluator {
  private dataset?: Dataset;
  private backend?: BackendName;
  private traits: BackendTraits = backendTraits('cpu');
  /** The splits on the device, for backends that keep data there (webgpu). */
  private deviceSplits?: DeviceSplits;
  /** Where trials the backend cannot train run instead (chosen on first need). */
  private fallback?: Promise<BackendName>;
  /** Frees this process's GPU slot. */
  private release?: () => void;

  private readonly methods: SparseMethodFactory;
  private readonly trainingMethods: TrainingMethodRegistry;

  constructor(private readonly options: TfjsEvaluatorOptions = {}) {
    this.methods = options.methods ?? createSparseMethod;
    this.trainingMethods = new TrainingMethodRegistry(options.trainingMethods ?? BUILT_IN_TRAINING_METHODS);
  }

  async prepare(definition: StudyDefinition): Promise<EvaluatorInfo> {
    const { allowSoftwareGpu, gpuConcurrency, importer } = this.options;
    if (definition.constraints?.maxLatencyMs !== undefined && this.options.latencyRepeats === 0) {
      throw new ConfigError('constraints.maxLatencyMs', 'constraints.maxLatencyMs needs the inference latency of each trial, but evaluator.options.latencyRepeats is 0 (no latency measured); remove latencyRepeats: 0 or the constraint');
    }
    this.release?.();
    const chosen = await chooseBackend(this.options.backend ?? definition.backend, { allowSoftwareGpu, gpuConcurrency, importer });
    this.release = chosen.release;
    this.backend = chosen.backend;
    this.traits = backendTraits(chosen.backend);
    const load = this.options.loader ?? loadDataset;
    const ds = await load(definition.dataset, definition.seed);
    this.dataset = ds;
    this.deviceSplits?.dispose();
    this.deviceSplits = this.traits.deviceData ? new DeviceSplits(ds.shape, ds.classes, [ds.train, ds.validation], webGpuBufferLimit()) : undefined;
    return {
      backend: chosen.backend, reason: chosen.reason, dataChecksums: ds.checksums,
      dataset: { name: ds.name, train: ds.train.count, validation: ds.validation.count, test: ds.test.count, shape: ds.shape, classes: ds.classes },
      trainingMethods: this.trainingMethods.names,
    };
  }

  async evaluate(request: EvaluationRequest, reporter: TrialReporter, signal: AbortSignal): Promise<Metrics> {
    const ds = this.dataset;
    const backend = this.backend;
    if (!ds || !backend) throw new SparsenasError('EVALUATOR_NOT_PREPARED', 'TfjsEvaluator.evaluate() called before prepare(); call prepare(definition) once first');
    const blocker = this.traits.asyncReadsOnly ? webGpuBlocker(request.training) : undefined;
    if (blocker) return this.onFallback(blocker, request, reporter, signal);
    let reported = false;
    const watched: TrialReporter = { epochEnded: (m) => { reported = true; return reporter.epochEnded(m); } };
    try {
      return await this.train(ds, backend, this.traits, request, watched, signal);
    } catch (err) {
      const gap = backendGap(err, backend);
      // Nothing was reported yet: the trial starts over elsewhere, as if it had run there.
      if (gap && !reported) return this.onFallback(gap, request, reporter, signal);
      if (gap) throw new SparsenasError('BACKEND_GAP', `trial ${request.trialNumber} failed on ${backend} after its first epoch: ${gap}; run the search with --backend native (or wasm)`, { cause: err });
      throw err;
    }
  }

  /** Train one trial on the first CPU backend of the chain, then make the chosen backend active again. */
  private async onFallback(reason: string, request: EvaluationRequest, reporter: TrialReporter, signal: AbortSignal): Promise<Metrics> {
    const main = this.backend!;
    this.fallback ??= chooseFallback(main, { importer: this.options.importer }).then((c) => c.backend);
    const fallback = await this.fallback.catch((err) => { this.fallback = undefined; throw err; });
    await activateBackend(fallback);
    try {
      const metrics = await this.train(this.dataset!, fallback, backendTraits(fallback), request, reporter, signal);
      return { ...metrics, backendReason: `${main} cannot train this trial (${reason}); it trained on ${fallback}` };
    } finally {
      await activateBackend(main);
    }
  }

  private async train(ds: Dataset, backend: BackendName, traits: BackendTraits, request: EvaluationRequest, reporter: TrialReporter, signal: AbortSignal): Promise<Metrics> {
    const { architecture: arch, training, seed } = request;
    const device = traits.asyncReadsOnly ? webGpuHooks : undefined;
    const batches = traits.deviceData ? this.deviceSplits?.batch : undefined;
    let net: Network | undefined;
    let method: SparseMethod | undefined;
    let trainingMethod: TrainingMethod | undefined;
    try {
      net = buildNetwork(arch, ds.shape, ds.classes, seed);
      method = this.methods(arch.sparsity);
      const totalSteps = plannedSteps(training, ds.train.count);
      // init reads the initial weights and masks on the host.
      await device?.toHost(net.params.flatMap((p) => [p.weight, p.mask]));
      method.init(net.params, arch.sparsity, createRng(deriveSeed(seed, 'sparse')), totalSteps);
      net.enforceStructure();
      if (training.method) trainingMethod = this.trainingMethods.start(training.method, { net, sparse: method, dataset: ds, training, seed, totalSteps });
      const result = await trainNetwork({
        net, method, dataset: ds, training, seed, reporter, signal, now: this.options.now, trainingMethod,
        readbackEvery: this.options.readbackEvery ?? traits.readbackEvery, device, batches,
      });
      await device?.toHost(net.params.map((p) => p.mask));
      const count = countNetwork(net);
      // Inference latency of the trained network, with the forward validation uses: the same
      // backend, effective weights and (where the trial used them) the native sparse kernels.
      const latency = await measureLatency(net, ds.shape, inferenceForward(method, trainingMethod),
        { ...DEFAULT_LATENCY, repeats: this.options.latencyRepeats ?? DEFAULT_LATENCY.repeats });
      if (request.artifactDir) {
        const m = method;
        // The weights as the trained network runs them: the training method's forward, if it changes them.
        const forward = forwardFor(trainingMethod, { training: false, weight: (p) => m.effectiveWeight(p) });
        const weights = net.namedWeights(forward.weight);
        try {
          await writeTrialArtifacts(request.artifactDir, arch, weights, { inputShape: ds.shape, classes: ds.classes, dataset: ds.name });
        } finally {
          tf.dispose(weights.map((w) => w.tensor));
        }
      }
      const extra: { [name: string]: number } = {
        nonWeightFlops: count.nonWeightFlops, denseTrainingFlops: count.denseTrainingFlops, sparseTrainingFlops: count.sparseTrainingFlops,
        weightSparsity: count.weightSparsity,
      };
      const nodes = nodeSparsity(net);
      if (nodes !== undefined) extra['nodeSparsity'] = nodes;
      return {
        valAccuracy: result.valAccuracy, valLoss: result.valLoss, trainLoss: result.trainLoss, trainAccuracy: result.trainAccuracy,
        ...(result.testAccuracy !== undefined ? { testAccuracy: result.testAccuracy, testLoss: result.testLoss } : {}),
        params: count.params, nonZeros: count.nonZeros, sparsity: count.sparsity,
        denseFlops: count.denseFlops, sparseFlops: count.sparseFlops,
        trainTimeMs: result.trainTimeMs, epochs: result.epochs, samplesPerSecond: result.samplesPerSecond,
        backend, layers: count.layers, extra, ...latency,
        ...(result.sparseLayers.length ? { sparseKernels: result.sparseLayers } : {}),
        ...(trainingMethod?.outputs ? { outputs: trainingMethod.outputs() } : {}),
      };
    } finally {
      trainingMethod?.dispose();
      method?.dispose();
      net?.dispose();
    }
  }

  /**
   * A trained trial on the test split: the network is rebuilt from its architecture, its saved
   * weights (masks applied) are loaded, and the test split is evaluated in inference mode with
   * the same batches as `training.evaluateTest` would, so both give the same numbers.
   */
  async evaluateTest(request: TestRequest): Promise<{ testAccuracy: number; testLoss: number }> {
    const ds = this.dataset;
    if (!ds) throw new SparsenasError('EVALUATOR_NOT_PREPARED', 'TfjsEvaluator.evaluateTest() called before prepare(); call prepare(definition) once first');
    if (ds.test.count === 0) throw new SparsenasError('TEST_SPLIT_EMPTY', `dataset ${ds.name} has no test split, so trial ${request.trialNumber} cannot be tested; use a dataset with test files or set testTopK: 0`);
    const saved = await readTrialArtifacts(request.artifactDir);
    const { inputShape, classes } = saved.manifest;
    if (classes !== ds.classes || inputShape.join('x') !== ds.shape.join('x')) {
      throw new ArtifactError(request.artifactDir, `the weights in ${request.artifactDir} are for inputs ${inputShape.join('x')} and ${classes} classes, the dataset ${ds.name} has ${ds.shape.join('x')} and ${ds.classes}; test them with the dataset they were trained on`);
    }
    const net = buildNetwork(request.architecture, ds.shape, ds.classes, request.seed);
    try {
      net.loadWeights(saved.weights);
      const test = await evaluateSplit(net, ds.test, ds.shape, ds.classes, { weight: (p) => tf.mul(p.weight, p.mask) }, evaluationBatchSize(request.training));
      return { testAccuracy: test.accuracy, testLoss: test.loss };
    } finally {
      net.dispose();
    }
  }

  async dispose(): Promise<void> {
    this.release?.();
    this.release = undefined;
    this.deviceSplits?.dispose();
    this.deviceSplits = undefined;
    this.dataset = undefined;
  }
}

/** Fraction of hidden nodes (units, channels) removed by node masks; undefined when no layer has one. */
function nodeSparsity(net: Network): number | undefined {
  let total = 0, removed = 0, masked = false;
  for (const r of net.records) {
    const spec = r.node.spec;
    if (!layerDescriptor(spec).weighted || r.node.role === 'classifier') continue;
    const out = r.node.outShape[r.node.outShape.length - 1]!;
    const keep = 'keepNodes' in spec ? spec.keepNodes : undefined;
    total += out;
    if (keep) { masked = true; removed += out - new Set(keep).size; }
  }
  return masked && total ? removed / total : undefined;
}

/** The inference forward of a trained trial as validation runs it (effective weights, sparse kernels where eligible). */
function inferenceForward(method: SparseMethod, trainingMethod: TrainingMethod | undefined) {
  const weight = (p: Parameters<SparseMethod['effectiveWeight']>[0]) => method.effectiveWeight(p);
  const sparse = sparseKernelOption(method, weight);
  return forwardFor(trainingMethod, { training: false, weight, ...(sparse ? { sparse } : {}) });
}
