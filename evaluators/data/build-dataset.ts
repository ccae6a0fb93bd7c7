import type { DatasetConfig } from '../../search/types.js';
import { DatasetCountMismatchError, DatasetShapeError } from './errors.js';
import { gather, type SamplePool } from './sample-pool.js';
import { holdOutTest, planTrainValidation } from './split-plan.js';
import type { Dataset } from './types.js';

export interface DatasetParts {
  name: string;
  source: string;
  classes: number;
  classNames?: string[];
  checksums: { [file: string]: string };
  /** The training files: train and validation are carved from these. */
  trainPool: SamplePool;
  /** The test files; when absent, `testHoldOut` of the training pool is held out as test. */
  testPool?: SamplePool;
  /** Number of samples held out for test when there is no test file. */
  testHoldOut?: number;
  /** Names the test file in error messages. */
  testFile?: string;
}

/**
 * Plans the splits on labels, then decodes each kept sample once, straight into its split.
 * Pixel values are floats in [0, 1] (byte / 255); see `standardize` for mean/std scaling.
 */
export async function buildDataset(parts: DatasetParts, config: DatasetConfig, seed: number): Promise<Dataset> {
  const { trainPool, testPool } = parts;
  let pool: number[] | undefined;
  let test: number[] | undefined;
  if (testPool) {
    if (testPool.shape.join('×') !== trainPool.shape.join('×')) {
      throw new DatasetShapeError(
        parts.testFile ?? parts.source,
        `dataset ${parts.source}: test samples have shape [${testPool.shape}] but training samples [${trainPool.shape}]. ` +
          'The files come from different datasets; re-download them or pass --data-dir',
      );
    }
    if (testPool.count === 0) {
      throw new DatasetCountMismatchError(parts.testFile ?? parts.source, `dataset ${parts.source} has an empty test file. Re-download it or pass --data-dir`);
    }
  } else {
    ({ pool, test } = holdOutTest(trainPool.labels, parts.classes, parts.testHoldOut ?? 0));
  }
  const plan = planTrainValidation(
    trainPool.labels,
    parts.classes,
    { validationFraction: config.validationFraction, subset: config.subset, seed },
    parts.source,
    pool,
  );
  trainPool.prepare?.(plan.train);
  const train = await gather(trainPool, plan.train);
  const validation = await gather(trainPool, plan.validation);
  const testSplit = testPool ? await gather(testPool, Array.from({ length: testPool.count }, (_, i) => i)) : await gather(trainPool, test!);
  return {
    name: parts.name,
    shape: trainPool.shape.slice(),
    classes: parts.classes,
    ...(parts.classNames ? { classNames: parts.classNames.slice() } : {}),
    train,
    validation,
    test: testSplit,
    checksums: { ...parts.checksums },
    source: parts.source,
  };
}
