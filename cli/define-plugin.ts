import type { SparsenasPlugin } from './plugins.js';

/** Identity helper that gives a plugin written in JS or TS full type checking of its factories. */
export function definePlugin(plugin: SparsenasPlugin): SparsenasPlugin {
  return plugin;
}
