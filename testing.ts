/**
 * Conformance suite for strategy authors: `import { describeStrategy } from 'sparsenas/testing'`.
 * Runs a strategy through the contract the runner relies on, with node:test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DEFINITION, deriveSeed } from './search/index.js';
import type { Candidate, JsonObject, Metrics, SearchSpace, Strategy, StudyDefinition, Trial, TrialState } from './search/index.js';
import { MlpSpace, categorical } from './spaces/index.js';

export interface DescribeStrategyOptions {
  /** Space to search (default: the built-in mlp space). */
  space?: SearchSpace;
  /** strategy.options passed to init. */
  options?: JsonObject;
  /** Trials per check (default 12). */
  trials?: number;
  /** Set false for strategies that build architectures themselves and never return samples of the space. */
  samplesInSpace?: boolean;
  /** strategy.options for the tiny-space check (default: `options`). */
  tinyOptions?: JsonObject;
  /** Set false for deterministic strategies that ignore the seed (grid). */
  seedSensitive?: boolean;
  /** `StrategyContext.trainingMethods`: what the pretend evaluator trains (default none). */
  trainingMethods?: readonly string[];
  /**
   * Set true for strategies that promise never to propose an architecture twice (grid): two
   * instances restored from one snapshot, asked in turn with each other's proposals running in
   * the history (two workers), must then never propose the same one.
   */
  proposesEachOnce?: boolean;
}

/** The dataset shape strategies see in the suite (Fashion-MNIST's). */
export const TEST_DATASET = { shape: [28, 28, 1], classes: 10 };

/** A deterministic fake objective so strategies that learn from results get reproducible feedback. */
export function fakeMetrics(candidate: Candidate): Metrics {
  const h = deriveSeed(1, JSON.stringify(candidate.sample)) / 0x7fffffff;
  return {
    valAccuracy: 0.5 + 0.4 * h, valLoss: 1 - h, trainLoss: 1 - h, params: 1000, nonZeros: 500, sparsity: 0.5,
    denseFlops: 2000, sparseFlops: 1000, trainTimeMs: 1, epochs: 1, samplesPerSecond: 1, backend: 'fake', layers: [],
  };
}

/** How the i-th driven trial ends: the runner tells strategies about every ending, not only successes. */
export type TrialFate = (index: number) => Exclude<TrialState, 'running'>;

/**
 * Drives a strategy for `n` asks as the runner would; returns the candidates (undefined =
 * exhausted). Completed trials get `fakeMetrics`; others end as `fate` says, without metrics.
 */
export async function driveStrategy(strategy: Strategy, space: SearchSpace, n: number, seed: number, options: JsonObject = {}, history: Trial[] = [],
  fate: TrialFate = () => 'completed', trainingMethods: readonly string[] = []): Promise<(Candidate | undefined)[]> {
  const definition: StudyDefinition = { ...DEFAULT_DEFINITION, seed, strategy: { name: 'under-test', options } };
  if (history.length === 0) await strategy.init({ space, seed, options, definition, dataset: TEST_DATASET, trainingMethods });
  const out: (Candidate | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const c = await strategy.ask(history);
    out.push(c);
    if (!c) continue;
    const trial = asTrial(c, space, history.length, fate(history.length), i);
    history.push(trial);
    await strategy.tell(trial);
  }
  return out;
}

/** The trial the runner would store for a candidate: completed ones get `fakeMetrics`, running ones nothing yet. */
function asTrial(c: Candidate, space: SearchSpace, number: number, state: TrialState, i: number): Trial {
  return {
    id: number + 1, studyId: 1, number, state, sample: c.sample,
    architecture: c.architecture ?? space.freeze(c.sample), seed: c.seed ?? i, group: c.group, label: c.label, attributes: c.attributes,
    ...(state === 'completed' ? { metrics: fakeMetrics(c) } : state === 'running' ? {} : { error: `${state} in the conformance suite` }),
    startedAt: 0, ...(state === 'running' ? {} : { finishedAt: 1 }),
  };
}

/**
 * Registers a node:test suite checking what the runner relies on from a strategy:
 * - the same seed gives the same candidates, another seed other ones;
 * - candidates are inside the space (`check` passes, `freeze` builds them);
 * - failed, pruned and interrupted trials (no metrics) are told without breaking it;
 * - on a two-point space it either exhausts for good (`undefined` from then on) or keeps
 *   proposing valid candidates;
 * - `snapshot()` is plain JSON, and a fresh instance restored from it continues exactly
 *   where the first one stopped (what resume does); restoring twice, or over an instance that
 *   moved on since, equals restoring once (what a worker does when another one moved the state);
 * - other workers' running trials in the history break nothing, and nothing is bred from them;
 * - with `proposesEachOnce`, two instances restored from one snapshot never propose one
 *   architecture twice when their asks interleave.
 *
 *   describeStrategy('my-evo', () => new MyEvo(), { options: { population: 8 } });
 */
export function describeStrategy(name: string, create: () => Strategy, opts: DescribeStrategyOptions = {}): void {
  const space = opts.space ?? new MlpSpace();
  const n = opts.trials ?? 12;
  const options = opts.options ?? {};
  const strip = (cs: (Candidate | undefined)[]) => JSON.stringify(cs);
  const methods = opts.trainingMethods ?? [];
  const drive = (strategy: Strategy, on: SearchSpace, count: number, seed: number, o: JsonObject, history: Trial[] = [], fate?: TrialFate) =>
    driveStrategy(strategy, on, count, seed, o, history, fate, methods);

  describe(`strategy conformance: ${name}`, () => {
    it('is reproducible for a seed and differs across seeds', async () => {
      const a = await drive(create(), space, n, 7, options);
      const b = await drive(create(), space, n, 7, options);
      assert.equal(strip(a), strip(b), 'same seed must give the same candidates');
      const c = await drive(create(), space, n, 8, options);
      if (opts.seedSensitive !== false && a.filter(Boolean).length > 1) assert.notEqual(strip(a), strip(c), 'different seeds should give different candidates');
    });

    it('returns candidates inside the space', async () => {
      for (const c of await drive(create(), space, n, 3, options)) {
        if (!c) continue;
        assert.equal(typeof c.sample, 'object');
        if (opts.samplesInSpace !== false && !c.architecture) assert.equal(space.check(c.sample)?.message, undefined);
        if (!c.architecture) assert.doesNotThrow(() => space.freeze(c.sample));
      }
    });

    it('copes with failed, pruned and interrupted trials (and with nothing but failures)', async () => {
      const mixed: TrialFate = (i) => (['failed', 'completed', 'pruned', 'completed', 'interrupted'] as const)[i % 5]!;
      for (const fate of [mixed, () => 'failed' as const]) {
        for (const c of await drive(create(), space, n, 5, options, [], fate)) {
          if (c && !c.architecture && opts.samplesInSpace !== false) assert.equal(space.check(c.sample)?.message, undefined);
        }
      }
    });

    it('handles a tiny space: exhausts cleanly or keeps proposing valid candidates', async () => {
      const tiny: SearchSpace = {
        name: 'tiny',
        dimensions: [categorical('width_0', [8, 16])],
        check: (s) => (Object.keys(s).every((k) => k === 'width_0') ? tinyMlp.check({ ...fixedMlp, ...s }) : tinyMlp.check(s)),
        freeze: (s) => tinyMlp.freeze({ ...fixedMlp, ...s }),
      };
      const cs = await drive(create(), tiny, 6, 1, opts.tinyOptions ?? options);
      const firstEnd = cs.indexOf(undefined);
      if (firstEnd >= 0) assert.ok(cs.slice(firstEnd).every((c) => c === undefined), 'once exhausted, ask() must keep returning undefined');
      for (const c of cs) if (c && !c.architecture) assert.equal(tiny.check(c.sample), undefined);
    });

    it('restoring twice, or over an instance that moved on, equals restoring once', async () => {
      const whole = await drive(create(), space, n, 13, options);
      const history: Trial[] = [];
      const first = create();
      const head = await drive(first, space, Math.floor(n / 2), 13, options, history);
      const state = JSON.parse(JSON.stringify(first.snapshot()));
      const second = create();
      await second.init({ space, seed: 13, options, definition: { ...DEFAULT_DEFINITION, seed: 13, strategy: { name, options } }, dataset: TEST_DATASET, trainingMethods: methods });
      second.restore(structuredClone(state));
      second.restore(structuredClone(state));
      // Moves on (asks on a throwaway history), then is brought back to the stored state.
      await drive(second, space, 2, 13, options, structuredClone(history));
      second.restore(structuredClone(state));
      const tail = await drive(second, space, n - head.length, 13, options, history);
      assert.equal(strip([...head, ...tail]), strip(whole));
    });

    it("copes with other workers' running trials in the history and never breeds from them", async () => {
      const strategy = create();
      await strategy.init({ space, seed: 17, options, definition: { ...DEFAULT_DEFINITION, seed: 17, strategy: { name, options } }, dataset: TEST_DATASET, trainingMethods: methods });
      const history: Trial[] = [];
      for (let i = 0; i < n; i++) {
        const c = await strategy.ask(history);
        if (!c) continue;
        if (!c.architecture && opts.samplesInSpace !== false) assert.equal(space.check(c.sample)?.message, undefined);
        const parent = c.attributes?.['parent'];
        if (typeof parent === 'number') assert.equal(history.find((t) => t.number === parent)?.state, 'completed', `candidate ${i} names trial ${parent} as its parent, which has not completed`);
        // Every other trial stays running on "another worker"; the rest complete and are told.
        const trial = asTrial(c, space, history.length, i % 2 ? 'running' : 'completed', i);
        history.push(trial);
        if (trial.state !== 'running') await strategy.tell(trial);
      }
    });

    if (opts.proposesEachOnce) {
      it('two instances restored from one snapshot, asked in turn, never propose one architecture twice', async () => {
        const history: Trial[] = [];
        const first = create();
        await drive(first, space, Math.floor(n / 3), 19, options, history);
        const state = JSON.parse(JSON.stringify(first.snapshot()));
        const pair = [create(), create()];
        for (const s of pair) {
          await s.init({ space, seed: 19, options, definition: { ...DEFAULT_DEFINITION, seed: 19, strategy: { name, options } }, dataset: TEST_DATASET, trainingMethods: methods });
          s.restore(structuredClone(state));
        }
        for (let i = 0; i < n; i++) {
          const c = await pair[i % 2]!.ask(history);
          if (c) history.push(asTrial(c, space, history.length, 'running', i));
        }
        const keys = history.map((t) => JSON.stringify(t.architecture));
        assert.equal(new Set(keys).size, keys.length, 'an architecture was proposed twice');
      });
    }

    it('snapshot/restore continues exactly where it left off', async () => {
      const whole = await drive(create(), space, n, 11, options);
      const history: Trial[] = [];
      const first = create();
      const head = await drive(first, space, Math.floor(n / 2), 11, options, history);
      const snap = first.snapshot();
      const state = JSON.parse(JSON.stringify(snap));
      assert.deepEqual(state, snap, 'snapshot() must return plain JSON (no Map, Set, undefined, NaN or class instances)');
      const second = create();
      await second.init({ space, seed: 11, options, definition: { ...DEFAULT_DEFINITION, seed: 11, strategy: { name, options } }, dataset: TEST_DATASET, trainingMethods: methods });
      second.restore(state);
      const tail = await drive(second, space, n - head.length, 11, options, history);
      assert.equal(strip([...head, ...tail]), strip(whole));
    });
  });
}

const tinyMlp = new MlpSpace({ widths: [8, 16], maxLayers: 1 });
const fixedMlp = { layers: 1, activation: 'relu', sparsity: 0, sparsity_kind: 'unstructured', sparse_method: 'static', mask_init: 'magnitude', nm: '2:4' };
