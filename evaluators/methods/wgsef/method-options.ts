import type { GroupUnit, JsonObject } from '../../../search/index.js';
import { WgsefMethodError } from './errors.js';
import { checkLambdaSchedule, type LambdaScheduleOptions } from './lambda-schedule.js';
import type { PenaltyName } from './penalties.js';

/**
 * `training.method.options` of the `wgsef` and `group-lasso` methods, what a grouped run trains:
 * total epochs = `training.epochs`; the first `epochs − finetuneEpochs` are proximal gradient
 * on L(θ) + λ·penalty(θ): after every optimiser step each grouped layer gets
 * θ ← prox_{η·λ·penalty}(θ), η the current learning rate. λ follows `lambda` (×growth at each
 * check while more than k groups are non-zero, capped at max; a check every
 * `lambda.everySteps` steps, else at each epoch end). Then the top-k groups (by weighted norm)
 * are kept, the others zeroed, and the last `finetuneEpochs` epochs train with that group mask
 * fixed and no penalty. `wgsef` takes `penalty` ('envelope', default, or 'envelope-minus-l2');
 * `group-lasso` is the same training with the group-lasso penalty.
 */
export interface GroupProxOptions {
  penalty: PenaltyName;
  /** Groups kept: per grouped layer (scope 'layer') or over all grouped layers together ('network'). */
  k: number;
  scope: 'layer' | 'network';
  groups: GroupUnit;
  lambda: LambdaScheduleOptions;
  finetuneEpochs: number;
}

export type GroupProxMethodName = 'wgsef' | 'group-lasso';

const KEYS = ['k', 'scope', 'groups', 'lambda', 'finetuneEpochs'];
const ENVELOPES: readonly PenaltyName[] = ['envelope', 'envelope-minus-l2'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads the options of method `name`; throws WgsefMethodError naming the bad key and what it accepts. */
export function parseGroupProxOptions(name: GroupProxMethodName, r: JsonObject): GroupProxOptions {
  const where = 'training.method.options';
  const keys = name === 'wgsef' ? [...KEYS, 'penalty'] : KEYS;
  for (const key of Object.keys(r)) {
    if (!keys.includes(key)) throw new WgsefMethodError(`unknown key ${where}.${key} for training method ${name}; use ${keys.join(', ')}`);
  }
  const penalty = name === 'group-lasso' ? 'group-lasso' : (r['penalty'] ?? 'envelope');
  if (!ENVELOPES.includes(penalty as PenaltyName) && name === 'wgsef') throw new WgsefMethodError(`${where}.penalty of method wgsef must be one of ${ENVELOPES.join(', ')} (group lasso is the method group-lasso), got ${JSON.stringify(penalty)}`);
  const k = r['k'];
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new WgsefMethodError(`${where}.k must be a positive integer, got ${JSON.stringify(k)}`);
  const scope = r['scope'] ?? 'layer';
  if (scope !== 'layer' && scope !== 'network') throw new WgsefMethodError(`${where}.scope must be "layer" or "network", got ${JSON.stringify(scope)}`);
  const groups = r['groups'] ?? 'neuron';
  if (!['neuron', 'filter', 'channel', 'weight'].includes(groups as string)) throw new WgsefMethodError(`${where}.groups must be neuron, filter, channel or weight, got ${JSON.stringify(groups)}`);
  const lambda = r['lambda'];
  if (!isObject(lambda) || typeof lambda['initial'] !== 'number' || typeof lambda['growth'] !== 'number' || typeof lambda['max'] !== 'number') {
    throw new WgsefMethodError(`${where}.lambda must be { initial, growth, max, everySteps? } numbers, got ${JSON.stringify(lambda)}`);
  }
  const finetuneEpochs = r['finetuneEpochs'] ?? 0;
  if (typeof finetuneEpochs !== 'number' || !Number.isInteger(finetuneEpochs) || finetuneEpochs < 0) {
    throw new WgsefMethodError(`${where}.finetuneEpochs must be an integer ≥ 0, got ${JSON.stringify(finetuneEpochs)}`);
  }
  const schedule: LambdaScheduleOptions = { initial: lambda['initial'], growth: lambda['growth'], max: lambda['max'] };
  if (lambda['everySteps'] !== undefined) schedule.everySteps = lambda['everySteps'] as number;
  checkLambdaSchedule(schedule, where);
  return { penalty: penalty as PenaltyName, k, scope, groups: groups as GroupUnit, lambda: schedule, finetuneEpochs };
}
