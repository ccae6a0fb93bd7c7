import { resolve } from 'node:path';
import { Container } from 'inversify';
import { EvaluatorFactory, SpaceFactory, SparsenasError, StrategyFactory } from '../search/index.js';
import { spacesModule } from '../spaces/index.js';
import { strategiesModule } from '../strategies/index.js';
import { evaluatorsModule } from '../evaluators/module.js';
import { trainingMethodsModule } from '../evaluators/methods/module.js';
import { loadPlugin } from './plugins.js';

/**
 * The composition root: the one place that decides which implementations exist.
 * Tests build the same container and rebind what they fake.
 */
export async function createContainer(plugins: readonly string[] = []): Promise<Container> {
  const container = new Container();
  await container.loadAsync(spacesModule, strategiesModule, trainingMethodsModule, evaluatorsModule);
  // The same file named twice (config and --plugin) is loaded once.
  for (const p of new Set(plugins.map((f) => resolve(f)))) await loadPlugin(container, p);
  return container;
}

type Named = { name: string };
function lookup<T extends Named>(container: Container, token: symbol, kind: string, name: string, flag: string): T {
  const all = container.isBound(token) ? container.getAll<T>(token) : [];
  const found = all.find((f) => f.name === name);
  if (!found) {
    throw new SparsenasError('UNKNOWN_' + kind.toUpperCase(), `unknown ${kind} "${name}"; available: ${all.map((f) => f.name).join(', ') || 'none'} (\`sparsenas list ${kind === 'strategy' ? 'strategies' : kind + 's'}\`; a plugin can add more with ${flag === '--strategy' || flag === '--space' ? '--plugin' : 'plugins'})`);
  }
  return found;
}

export const strategyFactory = (c: Container, name: string) => lookup<StrategyFactory>(c, StrategyFactory, 'strategy', name, '--strategy');
export const spaceFactory = (c: Container, name: string) => lookup<SpaceFactory>(c, SpaceFactory, 'space', name, '--space');
export const evaluatorFactory = (c: Container, name: string) => lookup<EvaluatorFactory>(c, EvaluatorFactory, 'evaluator', name, '--evaluator');

export function listFactories(c: Container): { strategies: StrategyFactory[]; spaces: SpaceFactory[]; evaluators: EvaluatorFactory[] } {
  const all = <T>(t: symbol) => (c.isBound(t) ? c.getAll<T>(t) : []);
  return { strategies: all(StrategyFactory), spaces: all(SpaceFactory), evaluators: all(EvaluatorFactory) };
}
