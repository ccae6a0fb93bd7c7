import { createRng, deriveSeed, type Rng } from '../../search/rng.js';
import { DatasetConfigError } from './errors.js';

/**
 * Which sample goes to which split, decided from the labels alone (before any pixel is
 * decoded). Every draw is stratified by class: each class keeps its share of the pool, the
 * shares rounded by the largest-remainder method so the total is exact.
 */
export interface SplitPlan {
  train: number[];
  validation: number[];
}

export interface PlanOptions {
  /** Fraction of the (subset of the) training pool carved out for validation, in (0, 1). */
  validationFraction: number;
  /** Keep at most this many samples of the training pool (train + validation together). */
  subset?: number;
  seed: number;
}

/** Quotas proportional to `weights` that sum to exactly `total` (≤ sum of weights); ties go to the lower index. */
export function largestRemainder(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0) return weights.map(() => 0);
  const exact = weights.map((w) => (w * total) / sum);
  const quota = exact.map(Math.floor);
  let missing = total - quota.reduce((a, b) => a + b, 0);
  const order = exact.map((_, i) => i).sort((a, b) => exact[b]! - quota[b]! - (exact[a]! - quota[a]!) || a - b);
  for (const i of order) {
    if (missing <= 0) break;
    quota[i]!++;
    missing--;
  }
  return quota;
}

/**
 * Draws `take` of `indices` stratified by `labels`: classes are shuffled independently by
 * `rng` and each contributes its quota from the front. Returns the drawn and the remaining
 * indices, both in shuffled order.
 */
export function stratifiedDraw(
  indices: readonly number[],
  labels: ArrayLike<number>,
  classes: number,
  take: number,
  rng: Rng,
): { drawn: number[]; rest: number[] } {
  const byClass: number[][] = Array.from({ length: classes }, () => []);
  for (const i of indices) byClass[labels[i]!]!.push(i);
  const shuffled = byClass.map((members) => rng.shuffle(members));
  const quota = largestRemainder(
    shuffled.map((m) => m.length),
    take,
  );
  const drawn: number[] = [];
  const rest: number[] = [];
  // Plain loops: spreading a 50,000-element class into push() would overflow the stack.
  shuffled.forEach((members, c) => {
    for (let k = 0; k < members.length; k++) (k < quota[c]! ? drawn : rest).push(members[k]!);
  });
  return { drawn: rng.shuffle(drawn), rest: rng.shuffle(rest) };
}

/**
 * Carves validation (and an optional subset) out of a training pool. The same labels, seed
 * and options always give the same plan; train and validation are disjoint.
 */
export function planTrainValidation(
  labels: ArrayLike<number>,
  classes: number,
  options: PlanOptions,
  source: string,
  pool: readonly number[] = Array.from({ length: labels.length }, (_, i) => i),
): SplitPlan {
  const rng = createRng(deriveSeed(options.seed, 'dataset-split'));
  let kept = pool;
  if (options.subset !== undefined && options.subset < pool.length) {
    kept = stratifiedDraw(pool, labels, classes, options.subset, rng).drawn;
  }
  if (kept.length < 2) {
    throw new DatasetConfigError(
      source,
      `dataset ${source} has ${kept.length} training sample(s) after subset; at least 2 are needed to carve a validation split. ` +
        'Raise dataset.subset or use more data',
    );
  }
  // At least one sample on each side: a fraction that rounds to an empty split is a config mistake we can absorb.
  const validationCount = splitCounts(kept.length, options.validationFraction).validation;
  if (options.subset !== undefined && options.subset < pool.length) checkSubsetSplit(options.subset, options.validationFraction, classes, pool.length, source);
  const { drawn, rest } = stratifiedDraw(kept, labels, classes, validationCount, rng);
  return { train: rest, validation: drawn };
}

/** Validation and training counts of n samples at this fraction (at least one on each side). */
function splitCounts(n: number, fraction: number): { train: number; validation: number } {
  const validation = Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
  return { train: n - validation, validation };
}

/**
 * A subset so small that a split has fewer samples than there are classes (`--subset 5`: 4
 * training images and 1 validation image of 10 classes) gives accuracies that mean nothing: it is
 * refused with the numbers and the smallest subset that gives every class a sample on each side.
 */
function checkSubsetSplit(subset: number, fraction: number, classes: number, available: number, source: string): void {
  const { train, validation } = splitCounts(subset, fraction);
  if (train >= classes && validation >= classes) return;
  let least: number | undefined;
  for (let n = subset + 1; n <= available; n++) {
    const c = splitCounts(n, fraction);
    if (c.train >= classes && c.validation >= classes) { least = n; break; }
  }
  throw new DatasetConfigError(
    source,
    `dataset.subset ${subset} gives ${train} training and ${validation} validation sample(s) (validationFraction ${fraction}) for ${classes} classes: ` +
      `each split needs at least one sample per class. ${least !== undefined ? `Use a subset of at least ${least} (--subset ${least})` : `The dataset has only ${available} training samples; drop the subset`}` +
      `${validation < classes && least !== undefined ? ' or raise dataset.validationFraction' : ''}`,
  );
}

/**
 * Holds out a test split from a source that has none (the embedded dataset, a single CSV).
 * The seed is fixed, not the study's: the test split must be the same for every study so
 * their test accuracies compare.
 */
export function holdOutTest(labels: ArrayLike<number>, classes: number, count: number): { pool: number[]; test: number[] } {
  const rng = createRng(deriveSeed(0, 'test-holdout'));
  const all = Array.from({ length: labels.length }, (_, i) => i);
  const { drawn, rest } = stratifiedDraw(all, labels, classes, count, rng);
  return { pool: rest.sort((a, b) => a - b), test: drawn.sort((a, b) => a - b) };
}
