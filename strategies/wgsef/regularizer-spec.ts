import type { GroupUnit, JsonObject } from '../../search/index.js';
import { WgsefError } from './errors.js';
import { checkLambdaSchedule, type LambdaScheduleOptions } from './lambda-schedule.js';
import { PENALTY_NAMES, type PenaltyName } from './penalties.js';
import type { Survivors } from './derive-architecture.js';

/**
 * `training.regularizer` of a grouped run: the contract between the WGSEF strategy (which
 * writes it) and the evaluator's training loop (which interprets it).
 *
 * Training: total epochs = `training.epochs`; the first `epochs − finetuneEpochs` are proximal
 * gradient on L(θ) + λ·penalty(θ): after every optimiser step each grouped layer gets
 * θ ← prox_{η·λ·penalty}(θ), η the current learning rate. λ follows `lambda` (×growth at each
 * check while more than k groups are non-zero, capped at max; a check every `lambda.everySteps`
 * steps, else at each epoch end). Then the top-k groups
 * (by weighted norm) are kept, the others zeroed, and the last `finetuneEpochs` epochs train
 * with that group mask fixed and no penalty.
 */
export interface GroupRegularizer {
  kind: 'wgsef' | 'group-lasso';
  penalty: PenaltyName;
  /** Groups kept: per grouped layer (scope 'layer') or over all grouped layers together ('network'). */
  k: number;
  scope: 'layer' | 'network';
  groups: GroupUnit;
  lambda: LambdaScheduleOptions;
  finetuneEpochs: number;
}

/** What the evaluator returns in `metrics.outputs` of a grouped run. */
export interface GroupedRunOutputs {
  /** Surviving output units (neurons/filters) per grouped layer, by layer name, ascending. */
  survivors: Survivors;
  /** Non-zero groups per grouped layer just before the top-k projection (≤ k when λ sufficed). */
  nonZeroGroups: { [layerName: string]: number };
  /** λ at the end of the proximal phase, and whether ≤ k groups were non-zero by then. */
  finalLambda: number;
  reachedK: boolean;
  /** Fraction of zero weights in the grouped layers after the projection (single-weight groups). */
  weightSparsity?: number;
}

export function regularizerToJson(r: GroupRegularizer): JsonObject {
  return { ...r, lambda: { ...r.lambda } } as unknown as JsonObject;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads a `training.regularizer`; throws WgsefError naming the bad key. */
export function parseRegularizer(json: unknown): GroupRegularizer {
  const where = 'training.regularizer';
  if (!isObject(json)) throw new WgsefError(`${where} must be an object, got ${JSON.stringify(json)}`);
  const r = json;
  if (r['kind'] !== 'wgsef' && r['kind'] !== 'group-lasso') throw new WgsefError(`${where}.kind must be "wgsef" or "group-lasso", got ${JSON.stringify(r['kind'])}`);
  const penalty = r['penalty'] ?? (r['kind'] === 'group-lasso' ? 'group-lasso' : 'envelope');
  if (!PENALTY_NAMES.includes(penalty as PenaltyName)) throw new WgsefError(`${where}.penalty must be one of ${PENALTY_NAMES.join(', ')}, got ${JSON.stringify(penalty)}`);
  const k = r['k'];
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) throw new WgsefError(`${where}.k must be a positive integer, got ${JSON.stringify(k)}`);
  const scope = r['scope'] ?? 'layer';
  if (scope !== 'layer' && scope !== 'network') throw new WgsefError(`${where}.scope must be "layer" or "network", got ${JSON.stringify(scope)}`);
  const groups = r['groups'] ?? 'neuron';
  if (!['neuron', 'filter', 'channel', 'weight'].includes(groups as string)) throw new WgsefError(`${where}.groups must be neuron, filter, channel or weight, got ${JSON.stringify(groups)}`);
  const lambda = r['lambda'];
  if (!isObject(lambda) || typeof lambda['initial'] !== 'number' || typeof lambda['growth'] !== 'number' || typeof lambda['max'] !== 'number') {
    throw new WgsefError(`${where}.lambda must be { initial, growth, max } numbers, got ${JSON.stringify(lambda)}`);
  }
  const finetuneEpochs = r['finetuneEpochs'] ?? 0;
  if (typeof finetuneEpochs !== 'number' || !Number.isInteger(finetuneEpochs) || finetuneEpochs < 0) {
    throw new WgsefError(`${where}.finetuneEpochs must be an integer ≥ 0, got ${JSON.stringify(finetuneEpochs)}`);
  }
  const schedule: LambdaScheduleOptions = { initial: lambda['initial'], growth: lambda['growth'], max: lambda['max'] };
  if (typeof lambda['everySteps'] === 'number') schedule.everySteps = lambda['everySteps'];
  checkLambdaSchedule(schedule, where);
  return { kind: r['kind'], penalty: penalty as PenaltyName, k, scope, groups: groups as GroupUnit, lambda: schedule, finetuneEpochs };
}

/** Reads `metrics.outputs` of a grouped run; throws WgsefError when the evaluator did not produce it. */
export function parseGroupedOutputs(outputs: unknown): GroupedRunOutputs {
  if (!isObject(outputs) || !isObject(outputs['survivors'])) {
    throw new WgsefError('the grouped run returned no metrics.outputs.survivors; the evaluator must interpret training.regularizer (WGSEF / group lasso) and report the surviving groups per layer');
  }
  const survivors: { [name: string]: number[] } = {};
  for (const [name, kept] of Object.entries(outputs['survivors'])) {
    if (!Array.isArray(kept) || !kept.every((j) => Number.isInteger(j) && j >= 0)) {
      throw new WgsefError(`metrics.outputs.survivors.${name} must be an array of unit indices, got ${JSON.stringify(kept)}`);
    }
    survivors[name] = kept as number[];
  }
  const nz = isObject(outputs['nonZeroGroups']) ? outputs['nonZeroGroups'] : {};
  const nonZeroGroups: { [name: string]: number } = {};
  for (const [name, n] of Object.entries(nz)) if (typeof n === 'number') nonZeroGroups[name] = n;
  const out: GroupedRunOutputs = {
    survivors,
    nonZeroGroups,
    finalLambda: typeof outputs['finalLambda'] === 'number' ? outputs['finalLambda'] : NaN,
    reachedK: outputs['reachedK'] === true,
  };
  if (typeof outputs['weightSparsity'] === 'number') out.weightSparsity = outputs['weightSparsity'];
  return out;
}
