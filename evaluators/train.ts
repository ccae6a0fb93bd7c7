import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, SparsenasError, TrialDivergedError, type TrainingConfig, type TrialReporter } from '../search/index.js';
import { weightSparsity } from './accounting.js';
import { correctCount, evaluateSplit, makeBatch, type BatchMaker } from './batches.js';
import { captureGradient, regularise } from './gradients.js';
import type { Dataset } from './data/types.js';
import type { Network, SparseKernelOption } from './network/types.js';
import { createOptimizer, learningRateAt, setLearningRate } from './optimizer.js';
import { softmaxCrossEntropy } from './kernels/native/index.js';
import { createPacer } from './pacer.js';
import { createSparseAdam, routesSparse, type SparseAdam } from './sparse-optimizer.js';
import type { MaskedParam, SparseMethod } from './sparse/types.js';
import { forwardFor } from './methods/tools.js';
import type { MethodStepContext, TrainingMethod } from './methods/types.js';
import type { DeviceHooks } from './webgpu/host-reads.js';

export interface TrainOptions {
  net: Network;
  method: SparseMethod;
  dataset: Dataset;
  training: TrainingConfig;
  /** Seeds the batch order. */
  seed: number;
  reporter: TrialReporter;
  signal?: AbortSignal;
  /** Injected clock (ms) for elapsed times and throughput. */
  now?: () => number;
  /** Yield to the event loop at least this often (ms) so a UI stays live. Default 50. */
  yieldEveryMs?: number;
  /** The trial's training method (`training.method`): its hooks run around every step (see `TrainingMethod`). */
  trainingMethod?: TrainingMethod;
  /**
   * Read the loss back every this many steps (default 1, every step). A GPU backend runs
   * asynchronously: reading every step makes it wait idle for each step's result. The
   * divergence check sees every step's loss, at most this many steps late.
   */
  readbackEvery?: number;
  /**
   * For backends that cannot read tensors synchronously (webgpu in Node): downloads the
   * tensors the sparse method and the accounting read on the host before they do, and checks
   * after every read-back that the device rejected nothing.
   */
  device?: DeviceHooks;
  /** Where batches come from (default: copied from the host arrays each step). */
  batches?: BatchMaker;
}

export interface TrainResult {
  epochs: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  testLoss?: number;
  testAccuracy?: number;
  trainTimeMs: number;
  /** Training samples per second over the optimiser steps (evaluation excluded). */
  samplesPerSecond: number;
  /** Layers that ran on the sparse kernels (evaluators/network/sparse-kernels.ts), in forward order. */
  sparseLayers: string[];
}

/**
 * Train a built network with its sparse method. Per step: forward with the method's effective
 * weights, backward, global grad-norm clipping, weight decay (L2 on kernels, coupled as in
 * PyTorch's SGD/Adam), optimiser step, BN running statistics, then `afterStep` (re-mask, prune,
 * drop/grow) and the node mask. Reports every epoch; the reporter may throw (pruning).
 * The caller owns `net` and `method` and disposes them; everything created here is disposed here.
 */
export async function trainNetwork(opts: TrainOptions): Promise<TrainResult> {
  const { net, method, dataset, training, reporter, signal } = opts;
  const now = opts.now ?? (() => performance.now());
  const pacer = createPacer(signal, opts.yieldEveryMs ?? 50, now);
  const { shape, classes, train } = dataset;
  if (train.count === 0 || dataset.validation.count === 0) {
    throw new SparsenasError('DATASET_EMPTY', `dataset ${dataset.name} has ${train.count} training and ${dataset.validation.count} validation samples; raise dataset.subset or validationFraction`);
  }
  const stepsPerEpoch = Math.ceil(train.count / training.batchSize);
  const totalSteps = plannedSteps(training, train.count);
  const rng = createRng(deriveSeed(opts.seed, 'batches'));
  const kernels = new Map(net.params.map((p) => [p.weight.name, p.weight]));
  const weight = (p: MaskedParam) => method.effectiveWeight(p);
  const sparse = sparseKernelOption(method, weight);
  const tm = opts.trainingMethod;
  const evalForward = () => forwardFor(tm, { training: false, weight, ...(sparse ? { sparse } : {}) });
  const evalBatch = evaluationBatchSize(training);
  const optimizer = createOptimizer(training);
  // Adam at the masks' non-zeros for the plain-masked weights (not for a method's own step).
  const sparseAdam = sparse && !tm?.step ? createSparseAdam(optimizer, training) : undefined;
  const readbackEvery = Math.max(1, Math.floor(opts.readbackEvery ?? 1));
  const device = opts.device;
  // Everything the masks, the accounting and the sparse methods may read on the host.
  const hostTensors = () => net.params.flatMap((p) => [p.weight, p.mask]);
  const pending: PendingStep[] = [];
  const started = now();
  let stepTimeMs = 0, samples = 0, step = 0;
  let epochLoss = NaN, epochAcc = NaN, val = { loss: NaN, accuracy: NaN };
  try {
    let epochs = 0;
    for (let epoch = 1; epoch <= training.epochs && (epoch === 1 || step < totalSteps); epoch++) {
      epochs = epoch;
      const order = rng.shuffle(Array.from({ length: train.count }, (_, i) => i));
      let lossSum = 0, correct = 0, seen = 0;
      const drain = async () => {
        const results = await readBack(pending);
        device?.check();
        for (const r of results) {
          if (!Number.isFinite(r.loss)) {
            throw new TrialDivergedError(`training loss became ${r.loss} at epoch ${r.epoch}, step ${r.step}; lower the learning rate (${training.learningRate}) or set training.gradClipNorm`);
          }
          lossSum += r.loss * r.size;
          correct += r.hits;
          seen += r.size;
        }
      };
      for (let b = 0; b < stepsPerEpoch && step < totalSteps; b++) {
        await pacer.between(() => `at epoch ${epoch}, batch ${b + 1}/${stepsPerEpoch}`);
        step++;
        const idx = order.slice(b * training.batchSize, (b + 1) * training.batchSize);
        const t0 = now();
        const ctx: MethodStepContext = { step, totalSteps, learningRate: learningRateAt(training, step, totalSteps), epoch, optimizer };
        setLearningRate(optimizer, ctx.learningRate);
        await tm?.beforeStep?.(ctx);
        pending.push({ read: await trainStep(opts, optimizer, ctx, idx, kernels, sparse, sparseAdam), epoch, step, size: idx.length });
        if (pending.length >= readbackEvery) await drain();
        reporter.batchEnded?.({ epoch, batch: b + 1, batches: stepsPerEpoch });
        stepTimeMs += now() - t0;
        samples += idx.length;
      }
      const t0 = now();
      await drain();
      stepTimeMs += now() - t0;
      const outputs = tm?.epochEnded?.(epoch);
      await device?.toHost(hostTensors());
      // `training.steps: 0` trains nothing: the training loss is then measured at initialisation.
      const atInit = seen === 0 ? await evaluateSplit(net, train, shape, classes, evalForward(), evalBatch, pacer, opts.batches) : undefined;
      epochLoss = atInit ? atInit.loss : lossSum / seen;
      epochAcc = atInit ? atInit.accuracy : correct / seen;
      val = await evaluateSplit(net, dataset.validation, shape, classes, evalForward(), evalBatch, pacer, opts.batches);
      device?.check();
      await reporter.epochEnded({
        epoch, trainLoss: epochLoss, trainAccuracy: epochAcc, valLoss: val.loss, valAccuracy: val.accuracy,
        sparsity: weightSparsity(net.params), elapsedMs: now() - started, ...(outputs ? { outputs } : {}),
      });
    }
    const result: TrainResult = {
      epochs, trainLoss: epochLoss, trainAccuracy: epochAcc, valLoss: val.loss, valAccuracy: val.accuracy,
      trainTimeMs: now() - started, samplesPerSecond: stepTimeMs > 0 ? (samples / stepTimeMs) * 1000 : 0,
      sparseLayers: net.params.filter((p) => sparse?.ran.has(p.name)).map((p) => p.name),
    };
    if (training.evaluateTest && dataset.test.count > 0) {
      const test = await evaluateSplit(net, dataset.test, shape, classes, evalForward(), evalBatch, pacer, opts.batches);
      result.testLoss = test.loss;
      result.testAccuracy = test.accuracy;
    }
    return result;
  } finally {
    tf.dispose(pending.splice(0).flatMap((p) => (p.read instanceof tf.Tensor ? [p.read] : [])));
    net.discardBatchNorm();
    sparseAdam?.dispose();
    optimizer.dispose();
  }
}

/** A step whose [loss, correct] has not been read yet (a method's own `step` returns numbers). */
interface PendingStep { read: tf.Tensor | [number, number]; epoch: number; step: number; size: number }

/** Reads and disposes the pending steps' results with one download; the list is emptied. */
async function readBack(pending: PendingStep[]): Promise<{ loss: number; hits: number; epoch: number; step: number; size: number }[]> {
  if (!pending.length) return [];
  const steps = pending.splice(0);
  const tensors = steps.flatMap((s) => (s.read instanceof tf.Tensor ? [s.read] : []));
  try {
    const all = tensors.length === 1 ? tensors[0]! : tensors.length ? tf.concat(tensors) : undefined;
    const values = all ? await all.data() : new Float32Array(0);
    if (all && all !== tensors[0]) all.dispose();
    let at = 0;
    return steps.map((s) => {
      const [loss, hits] = s.read instanceof tf.Tensor ? [values[at++]!, values[at++]!] : s.read;
      return { loss, hits, epoch: s.epoch, step: s.step, size: s.size };
    });
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * The sparse-kernel option of a trial's forwards (`ForwardOptions.sparse`), when its sparse
 * method says which params are plain W ⊙ M; undefined otherwise or with SPARSENAS_SPARSE_KERNELS=0.
 */
export function sparseKernelOption(method: SparseMethod, weight: (p: MaskedParam) => tf.Tensor): SparseKernelOption | undefined {
  if (!method.plainMask || process.env.SPARSENAS_SPARSE_KERNELS === '0') return undefined;
  return { weight, eligible: (p) => method.plainMask!(p), ...(method.nmStructure ? { nm: (p: MaskedParam) => method.nmStructure!(p) } : {}), ran: new Set() };
}

/** Batch size of evaluation passes (no gradients, so larger than training's is fine). */
export function evaluationBatchSize(training: TrainingConfig): number {
  return Math.max(training.batchSize, 256);
}

/** Optimiser steps of a run: `epochs` full passes, capped by `training.steps` when set. */
export function plannedSteps(training: TrainingConfig, trainCount: number): number {
  const full = Math.ceil(trainCount / training.batchSize) * training.epochs;
  return training.steps === undefined ? full : Math.min(full, training.steps);
}

/**
 * One optimiser step (the loop's, or the training method's `step`); returns [batch mean loss,
 * correct predictions], as a tensor the caller reads and disposes (the loop's step) or as
 * numbers (a method's step). With `device`, the weights and masks are downloaded before the
 * phases in which the sparse method says it reads them on the host.
 */
async function trainStep(opts: TrainOptions, optimizer: tf.Optimizer, ctx: MethodStepContext, idx: number[],
  kernels: ReadonlyMap<string, tf.Variable>, sparse: SparseKernelOption | undefined, sparseAdam?: SparseAdam): Promise<tf.Tensor | [number, number]> {
  const { net, method, dataset, training, device } = opts;
  const tm = opts.trainingMethod;
  // A method that does not say reads everywhere, every step (slow on webgpu, but correct).
  const reads = device ? method.hostReads?.(ctx) ?? { forward: true, afterStep: true } : undefined;
  const toHost = (extra: tf.Tensor[] = []) => device!.toHost([...net.params.flatMap((p) => [p.weight, p.mask]), ...extra]);
  if (reads?.forward) await toHost();
  const batch = opts.batches ? opts.batches(dataset.train, idx) : makeBatch(dataset.train, dataset.shape, dataset.classes, idx);
  if (tm?.step) {
    try {
      const out = await tm.step(batch, ctx);
      net.commitBatchNorm();
      if (reads?.afterStep) await toHost();
      method.afterStep(net.params, ctx);
      net.enforceStructure();
      tm.afterStep?.(ctx);
      return [out.loss, out.correct];
    } finally {
      net.discardBatchNorm();
      tf.dispose([batch.x, batch.y, batch.labels]);
    }
  }
  // RigL's grow step needs ∂L/∂W_eff everywhere: that step (only) runs dense.
  const dense = method.wantsDenseGradient(ctx) ? new Map<string, tf.Tensor>() : undefined;
  const weight = dense
    ? (p: MaskedParam) => captureGradient(method.effectiveWeight(p), p.name, dense)
    : sparse?.weight ?? ((p: MaskedParam) => method.effectiveWeight(p));
  const forward = forwardFor(tm, { training: true, weight, ...(sparse && !dense ? { sparse } : {}) });
  const trainable = tm?.trainable ? [...tm.trainable(net.trainable, ctx)] : net.trainable;
  let hits: tf.Scalar | undefined;
  let value: tf.Scalar | undefined;
  try {
    const out = tf.variableGrads(() => {
      const logits = net.apply(batch.x, forward);
      hits = tf.keep(correctCount(logits, batch.labels));
      return softmaxCrossEntropy(batch.y, logits);
    }, trainable);
    value = out.value;
    let masked: ReadonlySet<string> | undefined;
    if (sparseAdam) {
      // Only where the forward's weight is the method's plain W ⊙ M (no training method's own weight).
      const routed = new Map(forward.weight === weight
        ? net.params.filter((p) => sparse!.eligible(p) && out.grads[p.weight.name] && routesSparse(p)).map((p) => [p.weight.name, p])
        : []);
      const names = sparseAdam.applyGradients(out.grads, routed, training, kernels);
      masked = new Set(net.params.filter((p) => names.has(p.weight.name)).map((p) => p.name));
    } else {
      tf.tidy(() => optimizer.applyGradients(regularise(out.grads, training, kernels)));
    }
    tf.dispose(out.grads);
    net.commitBatchNorm();
    if (reads?.afterStep) await toHost([...(dense?.values() ?? [])]);
    method.afterStep(net.params, ctx, dense, masked);
    net.enforceStructure();
    tm?.afterStep?.(ctx);
    return tf.stack([value, hits!]);
  } finally {
    net.discardBatchNorm();
    tf.dispose([batch.x, batch.y, batch.labels, value, hits]);
    if (dense) tf.dispose([...dense.values()]);
  }
}
