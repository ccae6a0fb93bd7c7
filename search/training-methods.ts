import { SparsenasError } from './errors.js';
import type { EvaluatorInfo } from './evaluator.js';
import type { StrategyContext } from './strategy.js';
import type { TrainingConfig } from './types.js';

/**
 * A trial asks for a training method the evaluator does not declare (`EvaluatorInfo.trainingMethods`).
 * Raised by `requireTrainingMethods` in a strategy's `init`, so the search stops before its
 * first trial instead of failing every trial that needs the method.
 */
export class TrainingMethodUnavailableError extends SparsenasError {
  constructor(readonly evaluator: string, readonly method: string, available: readonly string[]) {
    super('TRAINING_METHOD_UNAVAILABLE', `evaluator "${evaluator}" cannot train method "${method}" (it trains ${available.length ? available.map((m) => `"${m}"`).join(', ') : 'no method'}); use an evaluator that declares "${method}" in EvaluatorInfo.trainingMethods (the built-in tfjs evaluator trains wgsef, group-lasso and dass), or another strategy`);
    this.name = 'TrainingMethodUnavailableError';
  }
}

/**
 * For a strategy's `init`: throws `TrainingMethodUnavailableError` unless the study's evaluator
 * declared every method in `names`. A context without `trainingMethods` (an evaluator that
 * declares nothing) trains no method.
 */
export function requireTrainingMethods(context: StrategyContext, names: Iterable<string>): void {
  const available = context.trainingMethods ?? [];
  for (const name of names) {
    if (!available.includes(name)) throw new TrainingMethodUnavailableError(context.definition.evaluator.name, name, available);
  }
}

/** Why the evaluator cannot train this trial's `training.method`, or undefined when it can (or none is set). */
export function unavailableMethod(training: Partial<TrainingConfig>, info: EvaluatorInfo, evaluator: string): string | undefined {
  const name = training.method?.name;
  const available = info.trainingMethods ?? [];
  if (name === undefined || available.includes(name)) return undefined;
  return new TrainingMethodUnavailableError(evaluator, name, available).message;
}
