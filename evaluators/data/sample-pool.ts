import { DatasetLabelError } from './errors.js';
import type { Split } from './types.js';

/**
 * Samples still in their file encoding. Splits are planned on `labels` alone and then each
 * chosen sample is decoded straight into its split's Float32Array by `write`, so loading
 * holds the file content plus one float copy of the samples kept — never an intermediate
 * float copy of the whole file.
 */
export interface SamplePool {
  readonly count: number;
  readonly labels: Int32Array;
  /** Per-sample shape; `write` fills `shape` product floats. */
  readonly shape: number[];
  write(index: number, out: Float32Array, offset: number): void;
  /**
   * Called once with the training indices before anything is written, for pools whose
   * scaling is fitted on the training split (CSV min–max); image pools have fixed scaling.
   */
  prepare?(trainIndices: readonly number[]): void;
}

/** byte → byte/255 in float32: pixels are normalised to [0, 1] by a table lookup, not a division per pixel. */
export const unitScale: Float32Array = Float32Array.from({ length: 256 }, (_, v) => v / 255);

export function sampleSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Copies labels to Int32, rejecting any outside `[0, classes)` with the file and the sample index. */
export function checkLabels(labels: ArrayLike<number>, classes: number, file: string): Int32Array {
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!(label >= 0 && label < classes)) {
      throw new DatasetLabelError(
        file,
        i,
        label,
        `dataset file ${file} has label ${label} at sample ${i}, outside the ${classes} classes 0–${classes - 1}. ` +
          'The file is damaged or belongs to another dataset; re-download it or pass --data-dir',
      );
    }
    out[i] = label;
  }
  return out;
}

/** Floats decoded between yields to the event loop (~16 MB, a few ms of work). */
const YIELD_EVERY = 1 << 22;

/** Decodes the samples at `indices` (in that order) into a new split, yielding to the event loop now and then. */
export async function gather(pool: SamplePool, indices: ArrayLike<number>): Promise<Split> {
  const size = sampleSize(pool.shape);
  const x = new Float32Array(indices.length * size);
  const y = new Int32Array(indices.length);
  const batch = Math.max(1, Math.floor(YIELD_EVERY / Math.max(1, size)));
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    pool.write(index, x, i * size);
    y[i] = pool.labels[index]!;
    if ((i + 1) % batch === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return { x, y, count: indices.length };
}

/** Several files of one split (CIFAR-10's five training batches) as one pool, without copying. */
export function concatPools(pools: readonly SamplePool[]): SamplePool {
  if (pools.length === 1) return pools[0]!;
  const count = pools.reduce((n, p) => n + p.count, 0);
  const labels = new Int32Array(count);
  const starts: number[] = [];
  let at = 0;
  for (const p of pools) {
    starts.push(at);
    labels.set(p.labels, at);
    at += p.count;
  }
  return {
    count,
    labels,
    shape: pools[0]!.shape,
    write(index, out, offset) {
      let k = pools.length - 1;
      while (starts[k]! > index) k--;
      pools[k]!.write(index - starts[k]!, out, offset);
    },
  };
}
