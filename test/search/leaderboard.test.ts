import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyFilters, bestTrial, createRng, metricValue, paretoFront, parseFilter, rankTrials } from '../../search/index.js';
import type { Objective, Trial } from '../../search/index.js';
import { completedTrial } from './fixtures.js';

const numbers = (ts: readonly Trial[]) => ts.map((t) => t.number);

describe('rankTrials', () => {
  const trials = [
    completedTrial(0, { valAccuracy: 0.8, sparseFlops: 300 }),
    completedTrial(1, { valAccuracy: 0.9, sparseFlops: 500, extra: { epochsToThreshold: 4 } }),
    completedTrial(2, { valAccuracy: 0.95 }, 'pruned'),
    completedTrial(3, { valAccuracy: 0.8, sparseFlops: 100, extra: { epochsToThreshold: 2 } }),
    { ...completedTrial(4, {}), metrics: undefined },
  ];

  it('ranks completed trials only, best first, ties by trial number', () => {
    assert.deepEqual(numbers(rankTrials(trials, { metric: 'valAccuracy', direction: 'maximize' })), [1, 0, 3, 4]);
    assert.deepEqual(numbers(rankTrials(trials, { metric: 'sparseFlops', direction: 'minimize' })), [3, 0, 1, 4]);
    assert.equal(bestTrial(trials, { metric: 'valAccuracy', direction: 'maximize' })?.number, 1);
  });

  it('reads extra metrics by NAME or extra.NAME and puts trials without them last', () => {
    assert.deepEqual(numbers(rankTrials(trials, { metric: 'extra.epochsToThreshold', direction: 'minimize' })), [3, 1, 0, 4]);
    assert.equal(metricValue(trials[1]!, 'epochsToThreshold'), 4);
    assert.equal(metricValue(trials[1]!, 'number'), 1);
    assert.equal(metricValue(trials[4]!, 'valAccuracy'), undefined);
  });
});

describe('parseFilter', () => {
  it('reads several conditions joined by commas or "and"', () => {
    assert.deepEqual(parseFilter('sparsity>=0.9, valAccuracy > 0.85 and params<1e5'), [
      { metric: 'sparsity', op: '>=', value: 0.9 },
      { metric: 'valAccuracy', op: '>', value: 0.85 },
      { metric: 'params', op: '<', value: 100000 },
    ]);
    assert.deepEqual(parseFilter('extra.nodeSparsity = -0.5'), [{ metric: 'extra.nodeSparsity', op: '==', value: -0.5 }]);
    assert.deepEqual(parseFilter('epochs != 3'), [{ metric: 'epochs', op: '!=', value: 3 }]);
  });

  it('names the part it cannot read', () => {
    for (const bad of ['sparsity >> 0.9', 'sparsity>=high', '>=0.9', 'sparsity>=1.2.3', 'sparsity>=.', 'valAccuracy']) {
      assert.throws(() => parseFilter(bad), (err: { code?: string; message: string }) =>
        err.code === 'FILTER_INVALID' && err.message.includes(`"${bad}"`) && err.message.includes('METRIC OP NUMBER'), bad);
    }
    assert.throws(() => parseFilter('sparsity>=0.9, oops'), /"oops"/);
  });
});

describe('applyFilters', () => {
  const trials = [0.5, 0.8, 0.9, 0.95].map((s, i) => completedTrial(i, { sparsity: s, valAccuracy: 0.9 - s / 10 }));

  it('keeps trials meeting every condition, for each operator', () => {
    const cases: [string, number[]][] = [
      ['sparsity>=0.9', [2, 3]], ['sparsity>0.9', [3]], ['sparsity<=0.8', [0, 1]], ['sparsity<0.8', [0]],
      ['sparsity==0.8', [1]], ['sparsity!=0.8', [0, 2, 3]], ['sparsity>=0.8 and valAccuracy>0.81', [1]],
    ];
    for (const [text, expected] of cases) assert.deepEqual(numbers(applyFilters(trials, parseFilter(text))), expected, text);
  });

  it('drops trials without the metric', () => {
    const noMetrics = { ...completedTrial(9, {}), metrics: undefined };
    assert.deepEqual(numbers(applyFilters([...trials, noMetrics], parseFilter('sparsity>=0'))), [0, 1, 2, 3]);
    assert.deepEqual(applyFilters(trials, parseFilter('extra.missing>=0')), []);
  });
});

/** Independent 2-D reference: sweep by accuracy (desc), tracking the lowest FLOPs seen above. */
function sweepFront(trials: readonly Trial[]): number[] {
  const pts = trials.filter((t) => t.state === 'completed' && t.metrics).map((t) => ({ n: t.number, a: t.metrics!.valAccuracy, f: t.metrics!.sparseFlops }));
  pts.sort((p, q) => q.a - p.a || p.f - q.f);
  const front: number[] = [];
  let lowestAbove = Infinity;
  for (let i = 0; i < pts.length;) {
    let j = i;
    while (j < pts.length && pts[j]!.a === pts[i]!.a) j++;
    const groupMin = pts[i]!.f; // sorted by FLOPs within equal accuracy
    for (let k = i; k < j; k++) if (pts[k]!.f === groupMin && pts[k]!.f < lowestAbove) front.push(pts[k]!.n);
    lowestAbove = Math.min(lowestAbove, groupMin);
    i = j;
  }
  return front.sort((a, b) => a - b);
}

/** Reference for any number of objectives, straight from the definition of dominance. */
function naiveFront(trials: readonly Trial[], objectives: readonly Objective[]): number[] {
  const pts = trials.filter((t) => t.state === 'completed' && objectives.every((o) => metricValue(t, o.metric) !== undefined));
  const v = (t: Trial, o: Objective) => (o.direction === 'maximize' ? 1 : -1) * metricValue(t, o.metric)!;
  const dominated = (p: Trial) => pts.some((q) => objectives.every((o) => v(q, o) >= v(p, o)) && objectives.some((o) => v(q, o) > v(p, o)));
  return pts.filter((p) => !dominated(p)).map((t) => t.number).sort((a, b) => a - b);
}

describe('paretoFront', () => {
  const randomTrials = (seed: number, n: number): Trial[] => {
    const rng = createRng(seed);
    return Array.from({ length: n }, (_, i) => {
      // coarse grids make ties and duplicates common
      const t = completedTrial(i, { valAccuracy: rng.int(0, 20) / 20, sparseFlops: rng.int(0, 15) * 1000, params: rng.int(1, 6) }, rng.next() < 0.15 ? 'failed' : 'completed');
      return rng.next() < 0.05 ? { ...t, metrics: undefined } : t;
    });
  };

  it('matches a sweep-line reference on random points (accuracy up, sparse FLOPs down)', () => {
    for (let seed = 0; seed < 200; seed++) {
      const trials = randomTrials(seed, 1 + (seed % 40));
      assert.deepEqual(numbers(paretoFront(trials)).sort((a, b) => a - b), sweepFront(trials), `seed ${seed}`);
    }
  });

  it('matches the definition of dominance with three objectives', () => {
    const objectives: Objective[] = [
      { metric: 'valAccuracy', direction: 'maximize' }, { metric: 'sparseFlops', direction: 'minimize' }, { metric: 'params', direction: 'minimize' },
    ];
    for (let seed = 0; seed < 100; seed++) {
      const trials = randomTrials(1000 + seed, 30);
      assert.deepEqual(numbers(paretoFront(trials, objectives)).sort((a, b) => a - b), naiveFront(trials, objectives), `seed ${seed}`);
    }
  });

  it('keeps equal points together and ignores non-completed trials', () => {
    const trials = [
      completedTrial(0, { valAccuracy: 0.9, sparseFlops: 100 }),
      completedTrial(1, { valAccuracy: 0.9, sparseFlops: 100 }),
      completedTrial(2, { valAccuracy: 0.99, sparseFlops: 1 }, 'pruned'),
      completedTrial(3, { valAccuracy: 0.8, sparseFlops: 100 }),
    ];
    assert.deepEqual(numbers(paretoFront(trials)), [0, 1]);
  });
});
