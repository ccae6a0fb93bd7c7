import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MedianPruner, NopPruner, PercentilePruner, SuccessiveHalvingPruner, createPruner } from '../../search/index.js';
import type { EpochMetrics } from '../../search/index.js';

/** A learning curve from validation accuracies, one per epoch. */
const curve = (...acc: number[]): EpochMetrics[] => acc.map((valAccuracy, epoch) => ({ epoch, trainLoss: 1, valLoss: 1, valAccuracy, elapsedMs: 1 }));

describe('MedianPruner', () => {
  const finished = [curve(0.5, 0.6, 0.7), curve(0.4, 0.5, 0.55), curve(0.3, 0.35, 0.4), curve(0.95)];

  it('prunes below the median of the others\' best at the same epoch', () => {
    // at epoch 2 the others' best so far are 0.6, 0.5, 0.35 (the 1-epoch curve does not count): median 0.5
    const median = new MedianPruner();
    assert.equal(median.shouldPrune(curve(0.2, 0.45), finished), true);
    assert.equal(median.shouldPrune(curve(0.2, 0.5), finished), false);
    assert.equal(median.shouldPrune(curve(0.2, 0.55), finished), false);
  });

  it('compares the best value so far, not the last one', () => {
    assert.equal(new MedianPruner().shouldPrune(curve(0.55, 0.1), finished), false);
  });

  it('waits for the warm-up epochs and for enough trials', () => {
    const median = new MedianPruner(1, 3);
    assert.equal(median.shouldPrune(curve(0), finished), false, 'epoch 1 is warm-up');
    assert.equal(median.shouldPrune(curve(0, 0), finished.slice(0, 2)), false, 'only two trials reached epoch 2');
    assert.equal(new MedianPruner(2).shouldPrune(curve(0, 0), finished), false);
    assert.equal(new MedianPruner(0).shouldPrune(curve(0.1), finished), true, 'epoch 1 median of 0.5, 0.4, 0.3, 0.95 is 0.45');
  });
});

describe('PercentilePruner', () => {
  const others = [0.1, 0.2, 0.3, 0.4, 0.5].map((a) => curve(0, a));

  it('keeps the top p% (Optuna): the threshold is the interpolated (100 − p)-th percentile of the others', () => {
    // PercentilePruner(75) keeps the top 75%: 25th percentile of 0.1..0.5 = position 1 → 0.2
    assert.equal(new PercentilePruner(75).shouldPrune(curve(0, 0.19), others), true);
    assert.equal(new PercentilePruner(75).shouldPrune(curve(0, 0.2), others), false);
    // PercentilePruner(70): 30th percentile, position 1.2 → 0.2 + 0.2·0.1 = 0.22
    assert.equal(new PercentilePruner(70).shouldPrune(curve(0, 0.21), others), true);
    assert.equal(new PercentilePruner(70).shouldPrune(curve(0, 0.23), others), false);
    // PercentilePruner(25) keeps the top quarter: 75th percentile = 0.4
    assert.equal(new PercentilePruner(25).shouldPrune(curve(0, 0.39), others), true);
    assert.equal(new PercentilePruner(25).shouldPrune(curve(0, 0.41), others), false);
    assert.equal(new PercentilePruner(100).shouldPrune(curve(0, 0.1), others), false, 'keeping 100% never prunes');
    assert.equal(new PercentilePruner(0).shouldPrune(curve(0, 0.49), others), true);
  });

  it('is the median at 50', () => {
    for (const a of [0.29, 0.3, 0.31]) assert.equal(new PercentilePruner(50).shouldPrune(curve(0, a), others), new MedianPruner().shouldPrune(curve(0, a), others));
  });

  it('rejects a percentile outside [0, 100]', () => {
    assert.throws(() => new PercentilePruner(101), RangeError);
    assert.throws(() => new PercentilePruner(-1), RangeError);
  });
});

describe('SuccessiveHalvingPruner', () => {
  const peers = [0.9, 0.8, 0.7, 0.6, 0.5].map((a) => curve(a, a, a));

  it('keeps the top 1/η at a rung', () => {
    // rung epoch 1, six trials with mine: keep floor(6/3) = 2, so beat the second best (0.8)
    const sh = new SuccessiveHalvingPruner(1, 3);
    assert.equal(sh.shouldPrune(curve(0.85), peers), false);
    assert.equal(sh.shouldPrune(curve(0.8), peers), false);
    assert.equal(sh.shouldPrune(curve(0.79), peers), true);
  });

  it('only decides at rungs minEpochs·η^k', () => {
    const sh = new SuccessiveHalvingPruner(1, 3);
    assert.equal(sh.shouldPrune(curve(0.9, 0.1), peers), false, 'epoch 2 is not a rung');
    assert.equal(sh.shouldPrune(curve(0.1, 0.1, 0.1), peers), true, 'epoch 3 is a rung');
    const late = new SuccessiveHalvingPruner(2, 2);
    assert.equal(late.shouldPrune(curve(0), peers), false, 'epoch 1 is below the first rung (2)');
    assert.equal(late.shouldPrune(curve(0, 0), peers), true);
  });

  it('needs at least η trials at the rung', () => {
    const sh = new SuccessiveHalvingPruner(1, 3);
    assert.equal(sh.shouldPrune(curve(0), peers.slice(0, 1)), false);
    assert.equal(sh.shouldPrune(curve(0), peers.slice(0, 2)), true);
  });

  it('rejects η < 2', () => {
    assert.throws(() => new SuccessiveHalvingPruner(1, 1), RangeError);
  });
});

describe('createPruner', () => {
  it('builds each pruner from its options', () => {
    assert.ok(createPruner('none') instanceof NopPruner);
    const median = createPruner('median', { warmupEpochs: 4, minTrials: 7 }) as MedianPruner;
    assert.deepEqual([median.percentile, median.warmupEpochs, median.minTrials], [50, 4, 7]);
    const sh = createPruner('successive-halving', { minEpochs: 2, reductionFactor: 4 }) as SuccessiveHalvingPruner;
    assert.deepEqual([sh.minEpochs, sh.reductionFactor], [2, 4]);
  });
});
