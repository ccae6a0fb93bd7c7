import * as tf from '@tensorflow/tfjs';
import { createRng, deriveSeed, SparsenasError, type TrainingConfig } from '../../search/index.js';
import { correctCount, makeBatch } from '../batches.js';
import { regularise } from '../gradients.js';
import { createOptimizer } from '../optimizer.js';
import type { Dataset } from '../data/types.js';
import type { ForwardOptions, Network } from '../network/types.js';
import type { SparseMethod } from '../sparse/types.js';
import type { Batch, MethodSplit, MethodTools, TrainingMethod } from './types.js';

/** The forward options with the training method's changes (`forwardOptions`), if it has any. */
export function forwardFor(method: TrainingMethod | undefined, base: ForwardOptions): ForwardOptions {
  return method?.forwardOptions ? method.forwardOptions(base) : base;
}

export interface ToolsContext {
  net: Network;
  sparse: SparseMethod;
  dataset: Dataset;
  seed: number;
  /** The trial's training (optimiser kind, clipping, weight decay). */
  training: TrainingConfig;
  /** The method the tools serve (read at each call: it exists only once its factory returned). */
  method: () => TrainingMethod | undefined;
}

/** The `MethodTools` of one trial: forwards as the training loop runs them, batches of any split. */
export function createMethodTools(c: ToolsContext): MethodTools {
  const lossAndHits = (batch: Batch, training: boolean, hits?: { value?: tf.Scalar }): tf.Scalar => {
    const forward = forwardFor(c.method(), { training, weight: (p) => c.sparse.effectiveWeight(p) });
    const logits = c.net.apply(batch.x, forward);
    if (hits) hits.value = tf.keep(correctCount(logits, batch.labels));
    return tf.losses.softmaxCrossEntropy(batch.y, logits) as tf.Scalar;
  };
  const loss = (batch: Batch, training: boolean): tf.Scalar => lossAndHits(batch, training);
  const kernels = new Map(c.net.params.map((p) => [p.weight.name, p.weight]));
  return {
    loss,
    optimizer(overrides = {}) {
      return createOptimizer({ ...c.training, ...overrides });
    },
    applyGradients(optimizer, grads, options = {}) {
      tf.tidy(() => optimizer.applyGradients(options.regularise === false ? grads : regularise(grads, c.training, kernels)));
    },
    gradients(batch, variables, options = {}) {
      const hits: { value?: tf.Scalar } | undefined = options.countCorrect ? {} : undefined;
      try {
        const { value, grads } = tf.variableGrads(() => lossAndHits(batch, true, hits), [...variables]);
        return hits?.value ? { loss: value, grads, correct: hits.value.dataSync()[0]! } : { loss: value, grads };
      } finally {
        hits?.value?.dispose();
        c.net.discardBatchNorm();
      }
    },
    batches(split: MethodSplit, batchSize: number, stream: string) {
      const data = c.dataset[split];
      if (data.count === 0) throw new SparsenasError('DATASET_EMPTY', `dataset ${c.dataset.name} has no ${split} samples for the training method's batches; raise dataset.subset or validationFraction`);
      if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new SparsenasError('TRAINING_METHOD_INVALID', `a training method asked for batches of ${batchSize} samples; the batch size must be a positive integer`);
      const rng = createRng(deriveSeed(c.seed, 'method-batches', split, stream));
      let order: number[] = [];
      let at = 0;
      return () => {
        if (at >= order.length) {
          order = rng.shuffle(Array.from({ length: data.count }, (_, i) => i));
          at = 0;
        }
        const idx = order.slice(at, at + batchSize);
        at += batchSize;
        return makeBatch(data, c.dataset.shape, c.dataset.classes, idx);
      };
    },
  };
}
