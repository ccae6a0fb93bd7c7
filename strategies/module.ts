import { ContainerModule } from 'inversify';
import { StrategyFactory } from '../search/index.js';
import { dassStrategyFactory } from './dass/index.js';
import { evolutionStrategyFactory } from './evolution-strategy.js';
import { gridStrategyFactory } from './grid-strategy.js';
import { randomStrategyFactory } from './random-strategy.js';
import { randomBaselineStrategyFactory } from './random-baseline/index.js';
import { sparseIftStrategyFactory } from './sparse-ift/index.js';
import { wgsefStrategyFactory } from './wgsef/index.js';

/** The built-in strategies, in `list strategies` order. */
export const BUILTIN_STRATEGIES: readonly StrategyFactory[] = [randomStrategyFactory, gridStrategyFactory, evolutionStrategyFactory, sparseIftStrategyFactory, wgsefStrategyFactory, randomBaselineStrategyFactory, dassStrategyFactory];

/** Binds the built-in strategies; `getAll(StrategyFactory)` lists them, by name. */
export const strategiesModule = new ContainerModule(({ bind }) => {
  for (const f of BUILTIN_STRATEGIES) {
    bind<StrategyFactory>(StrategyFactory).toConstantValue(f);
  }
});
