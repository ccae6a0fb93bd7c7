import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError, MemoryStore, definitionJsonSchema, infeasibleReason, paretoFront, parseDefinition, rankTrials, runSearch,
} from '../../search/index.js';
import type { Metrics, StudyDefinition, Trial } from '../../search/index.js';
import { countArchitecture } from '../../spaces/flops.js';
import { MlpSpace } from '../../spaces/mlp-space.js';
import { RandomStrategy } from '../../strategies/random-strategy.js';
import { EvolutionStrategy } from '../../strategies/evolution-strategy.js';
import { definition, fullMetrics } from './fixtures.js';
import { FakeEvaluator, ScriptedStrategy, fakeSpace, recordingBus } from './runner-fakes.js';
import type { Behaviour } from './runner-fakes.js';
import { definitionFromFlags } from '../../cli/commands/search.js';
import { resumedDefinition } from '../../cli/api.js';

const DATASET = { shape: [100], classes: 10 };

describe('constraints: the search definition', () => {
  it('accepts constraints, keeps them, rejects unknown keys by name, and the JSON schema lists them', () => {
    const d = parseDefinition({ constraints: { maxNonzeros: 50_000, maxSparseFlops: 1e6, maxLatencyMs: 2 } });
    assert.deepEqual(d.constraints, { maxNonzeros: 50_000, maxSparseFlops: 1e6, maxLatencyMs: 2 });
    assert.throws(() => parseDefinition({ constraints: { maxNonZeros: 5 } }), (e: unknown) => e instanceof ConfigError && /constraints\.maxNonZeros/.test(e.message));
    assert.throws(() => parseDefinition({ constraints: { maxLatencyMs: -1 } }), /constraints\.maxLatencyMs/);
    const props = (definitionJsonSchema() as { properties: Record<string, { properties?: Record<string, unknown> }> }).properties;
    assert.deepEqual(Object.keys(props['constraints']!.properties!).sort(), ['maxLatencyMs', 'maxNonzeros', 'maxSparseFlops']);
  });

  it('the CLI flags --max-nonzeros, --max-sparse-flops and --max-latency-ms set them; none leaves them out', () => {
    const { definition: d } = definitionFromFlags(['--max-nonzeros', '50000', '--max-sparse-flops', '2e6', '--max-latency-ms', '1.5'], '/tmp');
    assert.deepEqual(d.constraints, { maxNonzeros: 50_000, maxSparseFlops: 2e6, maxLatencyMs: 1.5 });
    assert.equal(definitionFromFlags([], '/tmp').definition.constraints, undefined);
    assert.throws(() => definitionFromFlags(['--max-nonzeros', '0'], '/tmp'), /--max-nonzeros must be an integer >= 1/);
  });

  it('a resumed study keeps the stored constraints', () => {
    const stored = parseDefinition({ constraints: { maxNonzeros: 1000 } });
    assert.deepEqual(resumedDefinition(stored, { maxTrials: 20 }).constraints, { maxNonzeros: 1000 });
  });
});

describe('constraints: random and evolution propose only feasible candidates', () => {
  const space = new MlpSpace();
  const nonZeros = (s: Trial['sample']) => countArchitecture(space.freeze(s), DATASET.shape, DATASET.classes).nonZeros;
  const ctx = (constraints?: StudyDefinition['constraints']) => ({
    space, seed: 3, options: {}, dataset: DATASET, definition: definition({ ...(constraints ? { constraints } : {}) }),
  });
  // The median of the unconstrained draws: about half of them violate it.
  const unconstrained = (() => { const r = new RandomStrategy(); r.init(ctx()); return Array.from({ length: 40 }, () => nonZeros(r.ask().sample)); })();
  const limit = unconstrained.slice().sort((a, b) => a - b)[20]!;

  it('random resamples until a candidate meets maxNonzeros (without the constraint, many would not)', () => {
    assert.ok(unconstrained.some((n) => n > limit));
    const r = new RandomStrategy();
    r.init(ctx({ maxNonzeros: limit }));
    for (let i = 0; i < 40; i++) assert.ok(nonZeros(r.ask().sample) <= limit);
  });

  it('evolution: random members and mutated children meet the constraint', () => {
    const e = new EvolutionStrategy();
    e.init({ ...ctx({ maxNonzeros: limit }), options: { population: 2, sampleSize: 2 } });
    const history: Trial[] = [];
    for (let i = 0; i < 30; i++) {
      const c = e.ask(history);
      assert.ok(nonZeros(c.sample) <= limit, `candidate ${i} has ${nonZeros(c.sample)} nonzeros > ${limit}`);
      history.push({ id: i + 1, studyId: 1, number: i, state: 'completed', sample: c.sample, architecture: null, seed: i, startedAt: 0, metrics: fullMetrics(Math.random()) });
    }
  });

  it('an unsatisfiable constraint is a clear error naming it and the smallest candidate drawn', () => {
    const r = new RandomStrategy();
    r.init(ctx({ maxNonzeros: 1 }));
    assert.throws(() => r.ask(), (err: Error & { code?: string }) =>
      err.code === 'CONSTRAINTS_UNSATISFIABLE' && /nonzeros ≤ 1/.test(err.message) && /smallest drawn had [\d,]+ nonzeros/.test(err.message) && /unsatisfiable in this space/.test(err.message));
  });
});

class DatasetEvaluator extends FakeEvaluator {
  override async prepare() {
    return { ...(await super.prepare()), dataset: { name: 'fake', train: 10, validation: 5, test: 5, ...DATASET } };
  }
}

describe('constraints: the runner', () => {
  const nz = (units: number) => countArchitecture(fakeSpace.freeze({ units }), DATASET.shape, DATASET.classes).nonZeros;
  // Accuracy grows with width; latency too: 10 units 1 ms, 20 units 5 ms.
  const behaviour = (): Behaviour => async (req, reporter) => {
    const units = req.architecture.layers[0]!.type === 'dense' ? req.architecture.layers[0]!.units : 1;
    await reporter.epochEnded({ epoch: 0, trainLoss: 1, valLoss: 1, valAccuracy: units / 100, elapsedMs: 1 });
    const m: Metrics = { ...fullMetrics(units / 100), sparseFlops: units, latencyMsB1: units >= 20 ? 5 : 1, latencyMsB128: 10 };
    return m;
  };

  it('never trains a proposed violator (pruned as infeasible, told, not failed); a trial measured too slow completes infeasible and does not rank', async () => {
    const d = definition({ seed: 1, budget: { maxTrials: 3 }, constraints: { maxNonzeros: nz(30), maxLatencyMs: 3 } });
    d.training.epochs = 1;
    const strategy = new ScriptedStrategy([{ sample: { units: 10 } }, { sample: { units: 60 } }, { sample: { units: 20 } }]);
    const evaluator = new DatasetEvaluator(behaviour);
    const { bus } = recordingBus();
    const store = new MemoryStore();
    const out = await runSearch({ store, strategy, space: fakeSpace, evaluator, bus, definition: d, studyName: 'budget' });
    assert.deepEqual(out.trials.map((t) => t.state), ['completed', 'pruned', 'completed']);
    const [small, big, slow] = out.trials as [Trial, Trial, Trial];
    assert.match(big.error!, /^infeasible: nonzeros [\d,]+ > maxNonzeros [\d,]+; not trained$/);
    assert.match(infeasibleReason(big)!, /^nonzeros/);
    assert.equal(big.metrics, undefined);
    assert.deepEqual(evaluator.requests.map((r) => r.trialNumber), [0, 2], 'the violator was never trained');
    assert.deepEqual(strategy.told.map((t) => t.state), ['completed', 'pruned', 'completed']);
    assert.equal(slow.metrics!.infeasible, 'latencyMsB1 5 > maxLatencyMs 3');
    assert.equal(infeasibleReason(small), undefined);
    // The slow trial is the most accurate, but it is not ranked: the best is trial 0.
    assert.equal(out.best?.number, 0);
    assert.deepEqual(rankTrials(out.trials, { metric: 'valAccuracy', direction: 'maximize' }).map((t) => t.number), [0]);
    assert.deepEqual(paretoFront(out.trials).map((t) => t.number), [0]);
    assert.deepEqual((await store.getStudy('budget'))!.definition.constraints, { maxNonzeros: nz(30), maxLatencyMs: 3 });
  });

  it('without constraints the same candidates all train', async () => {
    const d = definition({ seed: 1, budget: { maxTrials: 3 } });
    d.training.epochs = 1;
    const strategy = new ScriptedStrategy([{ sample: { units: 10 } }, { sample: { units: 60 } }, { sample: { units: 20 } }]);
    const evaluator = new DatasetEvaluator(behaviour);
    const out = await runSearch({ store: new MemoryStore(), strategy, space: fakeSpace, evaluator, bus: recordingBus().bus, definition: d, studyName: 'free' });
    assert.deepEqual(out.trials.map((t) => t.state), ['completed', 'completed', 'completed']);
    assert.equal(out.best?.number, 1);
  });
});
