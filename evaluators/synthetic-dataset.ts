import { createRng, deriveSeed, type Rng } from '../search/index.js';
import type { Dataset, Split } from './data/types.js';

export interface SyntheticOptions {
  /** Per-sample shape: [d] for vectors, [h, w, c] for images. */
  shape: number[];
  classes: number;
  train: number;
  validation: number;
  test: number;
  /** Distance between class centres in units of the noise standard deviation. Default 3. */
  separation?: number;
}

/**
 * Gaussian blobs: each class has a random centre (unit-norm direction × separation), samples
 * are centre + N(0, 1) noise. Linearly separable in expectation, so a few epochs of any
 * sensible network beat chance by far. For tests and smoke runs; deterministic in `seed`.
 */
export function syntheticDataset(opts: SyntheticOptions, seed: number): Dataset {
  const rng = createRng(deriveSeed(seed, 'synthetic'));
  const size = opts.shape.reduce((a, b) => a * b, 1);
  const sep = opts.separation ?? 3;
  const centres = Array.from({ length: opts.classes }, () => {
    const c = Float32Array.from({ length: size }, () => rng.normal());
    const norm = Math.hypot(...c) || 1;
    return c.map((v) => (v / norm) * sep);
  });
  const split = (count: number): Split => makeSplit(count, size, centres, rng);
  return {
    name: `synthetic-${opts.shape.join('x')}-${opts.classes}`, shape: [...opts.shape], classes: opts.classes,
    train: split(opts.train), validation: split(opts.validation), test: split(opts.test),
    checksums: {}, source: `generated (seed ${seed})`,
  };
}

function makeSplit(count: number, size: number, centres: Float32Array[], rng: Rng): Split {
  const x = new Float32Array(count * size);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = i % centres.length;
    y[i] = label;
    const c = centres[label]!;
    for (let j = 0; j < size; j++) x[i * size + j] = c[j]! + rng.normal();
  }
  return { x, y, count };
}
