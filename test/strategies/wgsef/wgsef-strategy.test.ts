import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DENSE_SPARSITY, parseDefinition, SpaceError, TrainingMethodUnavailableError, type Architecture, type Candidate, type JsonObject, type Metrics, type Sample, type SearchSpace, type Trial,
} from '../../../search/index.js';
import { widestSample, WgsefError, WgsefStrategy, wgsefStrategyFactory } from '../../../strategies/wgsef/index.js';

/** A two-dimension MLP space: width of two hidden layers, plus a sparsity level. */
const space: SearchSpace = {
  name: 'fake-mlp',
  dimensions: [
    { name: 'width', kind: 'categorical', choices: [32, 128, 64] },
    { name: 'depth', kind: 'int', low: 1, high: 2 },
    { name: 'sparsity', kind: 'float', low: 0, high: 0.9 },
  ],
  check: (sample) => (typeof sample['width'] === 'number' ? undefined : new SpaceError('width', 'width must be a number')),
  freeze(sample: Sample): Architecture {
    const width = sample['width'];
    if (typeof width !== 'number') throw new SpaceError('width', `width must be a number, got ${JSON.stringify(width)}`);
    return {
      family: 'mlp', input: 'flat',
      layers: Array.from({ length: (sample['depth'] as number | undefined) ?? 1 }, () => ({ type: 'dense' as const, units: width, activation: 'relu' as const })),
      sparsity: { ...DENSE_SPARSITY, level: sample['sparsity'] as number },
    };
  },
};

function context(options: JsonObject, seed = 7, trainingMethods: string[] = ['wgsef', 'group-lasso']) {
  const definition = parseDefinition({ seed, strategy: { name: 'wgsef', options }, training: { epochs: 3, batchSize: 32, optimizer: 'adam', learningRate: 1e-3 } });
  return { space, seed, options, definition, trainingMethods };
}

let number = 0;
function finish(c: Candidate, state: Trial['state'], outputs?: JsonObject): Trial {
  const metrics = outputs ? ({ valAccuracy: 0.9, valLoss: 0.3, outputs } as unknown as Metrics) : undefined;
  return {
    id: number, studyId: 1, number: number++, state, sample: c.sample, architecture: c.architecture ?? null, seed: c.seed ?? 0,
    group: c.group, label: c.label, training: c.training, attributes: c.attributes, metrics, startedAt: 0,
  } as Trial;
}

test('the widest point: largest widths and depth, lowest sparsity', () => {
  assert.deepEqual(widestSample(space), { width: 128, depth: 2, sparsity: 0 });
});

test('per k: a grouped run with the wgsef training method, then the derived narrower network; then exhausted', () => {
  assert.ok(wgsefStrategyFactory.create() instanceof WgsefStrategy);
  const s = new WgsefStrategy();
  s.init(context({ k: [8, 4], groups: 'neuron', finetuneEpochs: 2, lambda: { initial: 0.01, growth: 2, max: 5 } }));
  const g1 = s.ask([])!;
  assert.equal(g1.group, 'wgsef-k8');
  assert.equal(g1.label, 'grouped');
  assert.equal(g1.architecture!.layers.length, 2);
  assert.deepEqual(g1.architecture!.sparsity, DENSE_SPARSITY, 'the parent is dense; the penalty sparsifies');
  assert.equal(g1.training!.epochs, 5, 'proximal epochs + fine-tune epochs');
  assert.deepEqual(g1.training!.method, {
    name: 'wgsef', options: { penalty: 'envelope', k: 8, scope: 'layer', groups: 'neuron', lambda: { initial: 0.01, growth: 2, max: 5, everySteps: 1 }, finetuneEpochs: 2 },
  });
  s.tell(finish(g1, 'completed', { survivors: { dense_0: [0, 3, 5, 7, 9, 11, 13, 15], dense_1: [1, 2, 3] }, nonZeroGroups: { dense_0: 8, dense_1: 3 }, finalLambda: 0.08, reachedK: true }));
  const d1 = s.ask([])!;
  assert.equal(d1.label, 'derived');
  assert.equal(d1.group, 'wgsef-k8');
  assert.equal(d1.training, undefined, 'the derived network trains as an ordinary trial');
  assert.deepEqual(d1.architecture!.layers.map((l) => l.type === 'dense' && l.units), [8, 3]);
  assert.notEqual(d1.seed, g1.seed);
  assert.equal((d1.attributes as JsonObject)['derivedFrom'], 0);
  s.tell(finish(d1, 'completed', {}));
  const g2 = s.ask([])!;
  assert.equal(g2.group, 'wgsef-k4');
  s.tell(finish(g2, 'failed'));
  assert.equal(s.ask([]), undefined, 'a failed grouped run ends its job');
});

test('penalty list adds the group-lasso control at the same k; each replicate has its own seed, shared across penalties (paired)', () => {
  const s = new WgsefStrategy();
  s.init(context({ k: 4, penalty: ['envelope', 'group-lasso'], seeds: 2, derive: false }));
  const asked: Candidate[] = [];
  for (let c = s.ask([]); c; c = s.ask([])) {
    asked.push(c);
    s.tell(finish(c, 'completed', { survivors: { dense_0: [0, 1, 2, 3], dense_1: [0, 1, 2, 3] } }));
  }
  assert.deepEqual(asked.map((c) => `${c.group}/${c.label}`), ['wgsef-k4/grouped', 'wgsef-k4/grouped', 'group-lasso-k4/grouped', 'group-lasso-k4/grouped']);
  assert.deepEqual(asked[2]!.training!.method, {
    name: 'group-lasso', options: { k: 4, scope: 'layer', groups: 'neuron', lambda: { initial: 1, growth: 1.03, max: 1e6, everySteps: 1 }, finetuneEpochs: 1 },
  }, 'the control is the group-lasso method, with no penalty option');
  assert.equal(new Set(asked.map((c) => c.seed)).size, 2);
  assert.equal(asked[0]!.seed, asked[2]!.seed);
  assert.equal(asked[1]!.seed, asked[3]!.seed);
  assert.notEqual(asked[0]!.seed, asked[1]!.seed);
  assert.deepEqual(asked.map((c) => c.attributes!['replicate']), [0, 1, 0, 1]);
});

test('a grouped run without survivors (evaluator ignored the method) fails its job, not the strategy', () => {
  const s = new WgsefStrategy();
  s.init(context({ k: 2 }));
  const g = s.ask([])!;
  s.tell(finish(g, 'completed', {}));
  assert.equal(s.ask([]), undefined);
  const state = s.snapshot() as { jobs: { phase: string; error: string }[] };
  assert.equal(state.jobs[0]!.phase, 'failed');
  assert.match(state.jobs[0]!.error, /survivors/);
});

test('snapshot/restore resumes mid-job (the runner re-runs an interrupted trial with the same attributes)', () => {
  const a = new WgsefStrategy();
  a.init(context({ k: [3, 2] }));
  const g = a.ask([])!;
  a.tell(finish(g, 'interrupted'));
  const saved = JSON.parse(JSON.stringify(a.snapshot()));
  const b = new WgsefStrategy();
  b.init(context({ k: [3, 2] }));
  b.restore(saved);
  b.tell(finish({ ...g, attributes: { ...g.attributes, redoOf: 0 } }, 'completed', { survivors: { dense_0: [1, 2, 3], dense_1: [4, 5, 6] } }));
  const resumed = JSON.parse(JSON.stringify(b.snapshot()));
  const c = new WgsefStrategy();
  c.init(context({ k: [3, 2] }));
  c.restore(resumed);
  const d = c.ask([])!;
  assert.equal(d.label, 'derived');
  assert.deepEqual(d.architecture!.layers.map((l) => l.type === 'dense' && l.units), [3, 3]);
  const other = new WgsefStrategy();
  other.init(context({ k: [5] }));
  assert.throws(() => other.restore(resumed), /differ from strategy.options/);
});

test('single-weight groups: the derived network drops dead units and keeps the surviving weight density (≤ 0.98)', () => {
  const s = new WgsefStrategy();
  s.init(context({ k: 50, groups: 'weight' }));
  const g = s.ask([])!;
  s.tell(finish(g, 'completed', { survivors: { dense_0: [0, 1, 2, 3, 4], dense_1: [7] }, weightSparsity: 0.995 }));
  const d = s.ask([])!;
  assert.deepEqual(d.architecture!.layers.map((l) => l.type === 'dense' && l.units), [5, 1]);
  assert.deepEqual(d.architecture!.sparsity, { ...DENSE_SPARSITY, level: 0.98, kind: 'unstructured', method: 'static', init: 'magnitude' });
});

test('init fails when the evaluator cannot train a method the runs need, naming evaluator and method', () => {
  const s = new WgsefStrategy();
  assert.throws(() => s.init(context({ k: 2 }, 7, [])), (e: unknown) => e instanceof TrainingMethodUnavailableError && e.code === 'TRAINING_METHOD_UNAVAILABLE'
    && /evaluator "tfjs" cannot train method "wgsef" \(it trains no method\)/.test(e.message));
  assert.throws(() => s.init(context({ k: 2, penalty: ['envelope', 'group-lasso'] }, 7, ['wgsef'])), /evaluator "tfjs" cannot train method "group-lasso" \(it trains "wgsef"\)/);
  const { trainingMethods: _none, ...undeclared } = context({ k: 2 });
  assert.throws(() => s.init(undeclared), /cannot train method "wgsef"/, 'an evaluator that declares nothing trains no method');
  assert.doesNotThrow(() => s.init(context({ k: 2, penalty: 'group-lasso' }, 7, ['group-lasso'])), 'only the methods the runs use are needed');
});

test('options are validated with the key named', () => {
  const s = new WgsefStrategy();
  assert.throws(() => s.init(context({})), /options.k is required/);
  assert.throws(() => s.init(context({ k: 0 })), /options.k/);
  assert.throws(() => s.init(context({ k: 2, groups: 'rows' })), /options.groups/);
  assert.throws(() => s.init(context({ k: 2, penalty: 'l1' })), /options.penalty/);
  assert.throws(() => s.init(context({ k: 2, lambda: { growth: 1 } })), /growth/);
  assert.throws(() => s.init(context({ k: 2, ks: 3 })), (e: unknown) => e instanceof WgsefError && /strategy.options.ks/.test(e.message));
  assert.throws(() => s.init(context({ k: 2, base: { width: 'wide' } })), /strategy.options.base/);
});

test('init refuses a space whose parent has no layer wgsef can narrow (DARTS cells), before any trial runs', async () => {
  const { DartsSpace } = await import('../../../spaces/index.js');
  const s = new WgsefStrategy();
  assert.throws(() => s.init({ ...context({ k: 2 }), space: new DartsSpace() }), (e: unknown) => e instanceof WgsefError
    && /parent network of space "darts" has none \(its layers: cells, globalAvgPool\); DARTS cells \(space darts\) have no width wgsef can derive: search them with random, grid, evolution or dass/.test((e as Error).message));
});
