import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_DEFINITION, EventBus, MemoryStore, runSearch, type Strategy, type StudyDefinition } from '../../search/index.js';
import { TfjsEvaluator } from '../../evaluators/tfjs-evaluator.js';
import { syntheticDataset } from '../../evaluators/synthetic-dataset.js';
import { countArchitecture, DartsSpace } from '../../spaces/index.js';
import { EvolutionStrategy, GridStrategy, RandomStrategy } from '../../strategies/index.js';
import { describeStrategy } from '../../testing.js';

// The darts space end to end: the runner, a strategy, the real tfjs evaluator on a tiny
// generated image dataset, a small cell network (C = 4, L = 3, two nodes).
const loader = async () => syntheticDataset({ shape: [8, 8, 1], classes: 3, train: 32, validation: 16, test: 8, separation: 10 }, 3);
const spaceOptions = { channels: 4, layers: 3, nodes: 2, sparsity: { levels: [0.5, 0.9], methods: ['static', 'rigl'] } };

async function darts(strategy: Strategy, strategyOptions: object, seed: number) {
  const definition: StudyDefinition = {
    ...DEFAULT_DEFINITION, seed, backend: 'wasm',
    space: { name: 'darts', options: spaceOptions as never },
    strategy: { name: 'x', options: strategyOptions as never },
    dataset: { name: 'synthetic', validationFraction: 0.3 },
    training: { epochs: 1, batchSize: 16, optimizer: 'adam', learningRate: 0.01 },
    budget: { maxTrials: 3 },
  };
  const evaluator = new TfjsEvaluator({ loader });
  const before = tf.memory().numTensors;
  const outcome = await runSearch({ store: new MemoryStore(), strategy, space: new DartsSpace(spaceOptions as never), evaluator, bus: new EventBus(), definition, studyName: 'darts' });
  await evaluator.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  return outcome.trials;
}

describe('a darts search', () => {
  for (const [name, make, options] of [['random', () => new RandomStrategy(), {}], ['evolution', () => new EvolutionStrategy(), { population: 2, sampleSize: 1 }]] as const) {
    it(`${name}: three cell networks trained and counted`, async () => {
      const trials = await darts(make(), options, name === 'random' ? 1 : 2);
      assert.equal(trials.length, 3);
      for (const t of trials) {
        assert.equal(t.state, 'completed', t.error);
        assert.equal(t.architecture!.family, 'darts');
        assert.ok(Number.isFinite(t.metrics!.valAccuracy));
        const counted = countArchitecture(t.architecture!, [8, 8, 1], 3);
        assert.equal(t.metrics!.params, counted.params);
        assert.equal(t.metrics!.denseFlops, counted.denseFlops);
        assert.ok(t.metrics!.layers.some((l) => l.name === 'cells.stem.conv'));
      }
      if (name === 'evolution') assert.match(trials[2]!.label ?? '', /^child of #[01]$/);
    });
  }
});

// The strategies' contract on the darts space (a fake evaluator): samples inside the space,
// resumable, grid visiting each genotype once.
const small = () => new DartsSpace({ channels: 4, layers: 3, nodes: 2, sparsity: { levels: [0.9] } });
describeStrategy('random on darts', () => new RandomStrategy(), { space: small() });
describeStrategy('grid on darts', () => new GridStrategy(), { space: small(), seedSensitive: false });
describeStrategy('evolution on darts', () => new EvolutionStrategy(), { space: small(), options: { population: 3, sampleSize: 2 }, trials: 8 });

// C and L searched as dimensions (space.options lists choices): the same contract.
const sized = () => new DartsSpace({ channels: [2, 4], layers: [2, 3], nodes: 2, sparsity: { levels: [0.9] } });
describeStrategy('random on darts, C and L searched', () => new RandomStrategy(), { space: sized() });
describeStrategy('grid on darts, C and L searched', () => new GridStrategy(), { space: sized(), seedSensitive: false });
describeStrategy('evolution on darts, C and L searched', () => new EvolutionStrategy(), { space: sized(), options: { population: 3, sampleSize: 2 }, trials: 8 });
