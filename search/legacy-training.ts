import type { JsonObject } from './json.js';

/**
 * Reads a training config written before training methods existed (schema version 2 and
 * earlier, sparsenas ≤ 8094b41). WGSEF's grouped trials then carried
 *   `training.regularizer = { kind: 'wgsef' | 'group-lasso', penalty, k, scope, groups, lambda, finetuneEpochs }`,
 * which the evaluator interpreted through its one regulariser hook; a config file could set it
 * for every trial too. It now is the training method
 *   `training.method = { name, options: { k, scope, groups, lambda, finetuneEpochs, penalty? } }`:
 * name `group-lasso` when the old penalty was group lasso (the old hook went by `penalty`,
 * `kind` only chose its default), else `wgsef` with its envelope penalty kept in the options.
 *
 * Stored rows are never rewritten (finished trials are immutable, and an older sparsenas must
 * still read its file): the stores translate every definition and trial they read, and
 * `parseDefinition` translates an old config file, so resume re-runs an interrupted grouped
 * trial with the same training and reports show `method`. Anything else is returned as is.
 */
export function upgradeLegacyTraining<T>(training: T): T {
  if (!isObject(training) || !('regularizer' in training)) return training;
  const { regularizer, ...rest } = training as JsonObject;
  if (!isObject(regularizer) || isObject(rest['method'])) return rest as T;
  const { kind, ...options } = regularizer;
  const penalty = options['penalty'] ?? (kind === 'group-lasso' ? 'group-lasso' : 'envelope');
  if (penalty === 'group-lasso') {
    delete options['penalty'];
    return { ...rest, method: { name: 'group-lasso', options } } as T;
  }
  return { ...rest, method: { name: typeof kind === 'string' && kind !== 'group-lasso' ? kind : 'wgsef', options: { ...options, penalty } } } as T;
}

/** `upgradeLegacyTraining` on a stored study definition's `training`. */
export function upgradeLegacyDefinition<T>(definition: T): T {
  if (!isObject(definition) || !isObject(definition['training'])) return definition;
  const training = upgradeLegacyTraining(definition['training']);
  return training === definition['training'] ? definition : ({ ...definition, training } as T);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
