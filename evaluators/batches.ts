import * as tf from '@tensorflow/tfjs';
import type { Split } from './data/types.js';
import type { ForwardOptions, Network } from './network/types.js';
import type { Pacer } from './pacer.js';

export interface Batch { x: tf.Tensor; y: tf.Tensor2D; labels: tf.Tensor1D }

/** Makes the batch of `indices` of a split; the caller disposes it. */
export type BatchMaker = (split: Split, indices: ArrayLike<number>) => Batch;

/** Copy the samples at `indices` of a split into one batch: x [n, ...shape] and one-hot labels. */
export function makeBatch(split: Split, shape: readonly number[], classes: number, indices: ArrayLike<number>): Batch {
  const size = shape.reduce((a, b) => a * b, 1);
  const n = indices.length;
  const x = new Float32Array(n * size);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = indices[i]!;
    x.set(split.x.subarray(j * size, (j + 1) * size), i * size);
    y[i] = split.y[j]!;
  }
  return tf.tidy(() => {
    const labels = tf.tensor1d(y, 'int32');
    return { x: tf.tensor(x, [n, ...shape]), y: tf.oneHot(labels, classes).toFloat() as tf.Tensor2D, labels };
  });
}

/** Number of correct predictions in a batch of logits (a scalar tensor). */
export function correctCount(logits: tf.Tensor, labels: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32'));
}

/**
 * Splits kept on the device for the evaluator's lifetime: each batch is a gather there, so a
 * GPU backend uploads the data once instead of every step. Values equal `makeBatch`'s.
 * Splits not uploaded are batched from the host.
 */
export class DeviceSplits {
  private readonly held = new Map<Split, { x: tf.Tensor; labels: tf.Tensor1D }>();

  /** `maxBytes`: a split larger than one device buffer may be (the adapter's binding limit) stays on the host. */
  constructor(private readonly shape: readonly number[], private readonly classes: number, splits: readonly Split[], maxBytes = Infinity) {
    for (const s of splits) {
      if (s.count > 0 && s.x.byteLength <= maxBytes) this.held.set(s, tf.tidy(() => ({ x: tf.tensor(s.x, [s.count, ...shape]), labels: tf.tensor1d(s.y, 'int32') })));
    }
  }

  readonly batch: BatchMaker = (split, indices) => {
    const d = this.held.get(split);
    if (!d) return makeBatch(split, this.shape, this.classes, indices);
    return tf.tidy(() => {
      const idx = tf.tensor1d(Int32Array.from(indices), 'int32');
      const labels = tf.gather(d.labels, idx) as tf.Tensor1D;
      return { x: tf.gather(d.x, idx), y: tf.oneHot(labels, this.classes).toFloat() as tf.Tensor2D, labels };
    });
  };

  /** How many splits are on the device. */
  get size(): number {
    return this.held.size;
  }

  dispose(): void {
    for (const d of this.held.values()) tf.dispose([d.x, d.labels]);
    this.held.clear();
  }
}

/** Mean cross-entropy and accuracy of the network on a whole split, in inference mode (`forward.training` is ignored). */
export async function evaluateSplit(net: Network, split: Split, shape: readonly number[], classes: number,
  forward: Omit<ForwardOptions, 'training'>, batchSize: number, pacer?: Pacer, batches?: BatchMaker): Promise<{ loss: number; accuracy: number }> {
  let lossSum = 0, correct = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    await pacer?.between(() => `while evaluating (sample ${start}/${split.count})`);
    const idx = Array.from({ length: Math.min(batchSize, split.count - start) }, (_, i) => start + i);
    const b = batches ? batches(split, idx) : makeBatch(split, shape, classes, idx);
    const out = tf.tidy(() => {
      const logits = net.apply(b.x, { ...forward, training: false });
      const loss = tf.losses.softmaxCrossEntropy(b.y, logits, undefined, undefined, tf.Reduction.SUM);
      return tf.stack([loss, correctCount(logits, b.labels)]);
    });
    tf.dispose([b.x, b.y, b.labels]);
    const [l, c] = await out.data();
    out.dispose();
    lossSum += l!;
    correct += c!;
  }
  return { loss: lossSum / split.count, accuracy: correct / split.count };
}
