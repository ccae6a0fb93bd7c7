import type { ComponentSchemas, SpaceFactory, StrategyFactory } from '../search/index.js';
import { ConfigError, componentOptionIssues, formatIssues } from '../search/index.js';
import { BUILTIN_SPACES } from '../spaces/index.js';
import { BUILTIN_STRATEGIES } from '../strategies/index.js';

/**
 * The option schemas of the built-in spaces and strategies, known without building a container:
 * the definition is checked against them (every problem at once) as soon as it is read, and
 * sparsenas.schema.json documents them. Plugins' schemas are checked once they are loaded.
 */
export const BUILTIN_COMPONENTS: ComponentSchemas = {
  spaces: BUILTIN_SPACES,
  strategies: BUILTIN_STRATEGIES,
};

/** Checks the options of the space and strategy a new study uses against their factories' schemas (plugins included). */
export function checkComponentOptions(definition: { space: { name: string; options: unknown }; strategy: { name: string; options: unknown } }, space: SpaceFactory, strategy: StrategyFactory): void {
  const issues = componentOptionIssues(definition as never, { spaces: [space], strategies: [strategy] });
  if (issues.length) throw new ConfigError(issues[0]!.key, formatIssues('search definition', issues), issues);
}
