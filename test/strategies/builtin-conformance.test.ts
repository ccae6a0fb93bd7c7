import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Container } from 'inversify';
import { describeStrategy } from '../../testing.js';
import { StrategyFactory } from '../../search/index.js';
import { EvolutionStrategy, GridStrategy, RandomStrategy, strategiesModule } from '../../strategies/index.js';
import { MlpSpace } from '../../spaces/index.js';

describeStrategy('random', () => new RandomStrategy());
describeStrategy('grid', () => new GridStrategy(), { seedSensitive: false, proposesEachOnce: true, space: new MlpSpace({ maxLayers: 2, widths: [32, 64], sparsity: { levels: [0, 0.5, 0.9] } }) });
describeStrategy('evolution', () => new EvolutionStrategy(), { options: { population: 4, sampleSize: 2 }, trials: 14 });

/** Built-ins whose conformance run lives beside their own tests (they need a space or options of their own). */
const ELSEWHERE: Record<string, string> = {
  'sparse-ift': 'test/strategies/sparse-ift/sparse-ift-strategy.test.ts',
  'random-baseline': 'test/strategies/random-baseline/random-baseline-strategy.test.ts',
  wgsef: 'test/strategies/wgsef/conformance.test.ts',
  dass: 'test/strategies/dass/dass-strategy.test.ts',
};

it('every built-in strategy goes through the conformance suite', async () => {
  const container = new Container();
  await container.loadAsync(strategiesModule);
  const here = ['random', 'grid', 'evolution'];
  const missing = container.getAll<StrategyFactory>(StrategyFactory).map((f) => f.name).filter((n) => !here.includes(n) && !ELSEWHERE[n]);
  assert.deepEqual(missing, [], 'add a describeStrategy(...) run for these built-ins (here or in their own test file, listed in ELSEWHERE)');
});
