import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ContainerModule } from 'inversify';
import type { Container } from 'inversify';
import { EvaluatorFactory, SpaceFactory, SparsenasError, StrategyFactory, describeError } from '../search/index.js';

/**
 * What a plugin module exports (default export, or a named `plugin`): factories to add
 * under their own names. A plugin may instead export an inversify `ContainerModule`.
 * Walk-through: docs/plugins.md.
 *
 *   export default definePlugin({ strategies: [{ name: 'my-evo', description: '…', create: () => new MyEvo() }] });
 *
 * Each factory's `create` is called once per search (and once per resume), when the study
 * selects it by name; it must return a fresh instance. Then the runner drives the instance
 * (see `Strategy`, `SearchSpace`, `Evaluator` for when each method is called).
 */
export interface SparsenasPlugin {
  /** For humans; errors and `sparsenas list` name the plugin by its file. */
  name?: string;
  /** Selected with `--strategy NAME` / `strategy.name`; `create()` gets no arguments (options come in `init`). */
  strategies?: StrategyFactory[];
  /** Selected with `--space NAME` / `space.name`; `create(options)` gets the config's `space.options`. */
  spaces?: SpaceFactory[];
  /** Selected with `evaluator.name` in a config; `create(options)` gets `evaluator.options`. */
  evaluators?: EvaluatorFactory[];
}

export class PluginError extends SparsenasError {
  constructor(readonly plugin: string, message: string, options?: { cause?: unknown }) {
    super('PLUGIN_INVALID', message, options);
    this.name = 'PluginError';
  }
}

/** Imports a plugin file and binds what it provides; every problem names the plugin file. */
export async function loadPlugin(container: Container, file: string, cwd = process.cwd()): Promise<void> {
  const path = resolve(cwd, file);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = (err as Error)?.message ?? '';
    const hint = code === 'ERR_MODULE_NOT_FOUND' && message.includes(path) ? 'the file does not exist; check the path given to --plugin'
      : code === 'ERR_MODULE_NOT_FOUND' && message.includes("'sparsenas'") ? 'install sparsenas where the plugin is (npm install sparsenas) and run that copy with npx sparsenas'
      : 'fix the error in the plugin or its imports';
    throw new PluginError(file, `plugin ${file} failed to load: ${describeError(err)} (${hint})`, { cause: err });
  }
  const exported = mod['default'] ?? mod['plugin'];
  // Duck-typed too: a plugin with its own copy of inversify has another ContainerModule class.
  if (exported instanceof ContainerModule || isContainerModule(exported)) {
    try {
      await container.loadAsync(exported as ContainerModule);
    } catch (err) {
      throw new PluginError(file, `plugin ${file}: its ContainerModule threw while loading: ${describeError(err)}`, { cause: err });
    }
    return;
  }
  const groups: [keyof SparsenasPlugin, symbol][] = [['strategies', StrategyFactory], ['spaces', SpaceFactory], ['evaluators', EvaluatorFactory]];
  if (typeof exported !== 'object' || exported === null || !groups.some(([key]) => key in exported)) {
    throw new PluginError(file, `plugin ${file} must default-export { strategies?, spaces?, evaluators? } (use definePlugin from 'sparsenas') or an inversify ContainerModule; it exports ${describeExports(mod)}`);
  }
  const p = exported as SparsenasPlugin;
  for (const [key, token] of groups) {
    const list = p[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new PluginError(file, `plugin ${file}: "${key}" must be an array of factories`);
    const existing = new Set(container.isBound(token) ? container.getAll<{ name: string }>(token).map((f) => f.name) : []);
    for (const f of list as { name?: unknown; create?: unknown; description?: unknown }[]) {
      if (typeof f?.name !== 'string' || typeof f.create !== 'function') {
        throw new PluginError(file, `plugin ${file}: every entry of "${key}" needs a string "name" and a "create" function`);
      }
      if (existing.has(f.name)) throw new PluginError(file, `plugin ${file}: ${key.replace(/s$/, '').replace(/ie$/, 'y')} "${f.name}" is already registered; give it another name`);
      existing.add(f.name);
      container.bind(token).toConstantValue({ ...f, description: typeof f.description === 'string' ? f.description : '', source: file });
    }
  }
}

function isContainerModule(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as { load?: unknown }).load === 'function' && 'id' in x;
}

function describeExports(mod: Record<string, unknown>): string {
  const names = Object.keys(mod);
  if (!names.length) return 'nothing';
  return names.map((n) => (n === 'default' ? `a default ${mod[n] === null ? 'null' : typeof mod[n]}` : n)).join(', ');
}
