import type { GroupUnit, JsonObject, Sample } from '../../search/index.js';
import { WgsefError } from './errors.js';

/** The penalty of a grouped run: the envelope (WGSEF), the envelope − ½‖·‖², or group lasso (the control). */
export type PenaltyName = 'envelope' | 'envelope-minus-l2' | 'group-lasso';
export const PENALTY_NAMES: readonly PenaltyName[] = ['envelope', 'envelope-minus-l2', 'group-lasso'];

/** The λ schedule of the grouped runs, handed to the training method as its `lambda` option. */
export interface LambdaScheduleOptions {
  /** λ at the start of training. */
  initial: number;
  /** Factor applied while more than k groups are non-zero (> 1). */
  growth: number;
  /** Cap on λ. */
  max: number;
  /** Check (and grow) every this many optimiser steps; default once per epoch. */
  everySteps?: number;
}

/**
 * Default [choice]: check after every step (the prox already yields the surviving count) and
 * grow λ by 3% per check, from 1 up to 1e6. With η = 1e-3 the prox step η·λ goes from 1e-3
 * to ~1 in about 230 steps: fine-grained enough that one check rarely jumps from > k to far
 * fewer than k groups (coarse schedules — ×2 every 10 steps — killed every group of a
 * group-lasso run in one interval in bench/wgsef-reproduce.ts).
 */
export const DEFAULT_LAMBDA_SCHEDULE: LambdaScheduleOptions = { initial: 1, growth: 1.03, max: 1e6, everySteps: 1 };

/** `strategy.options` of the wgsef strategy. */
export interface WgsefOptions {
  /** Groups to keep; a list runs one grouped + derived pair per value. */
  k: number[];
  groups: GroupUnit;
  /** k per grouped layer (default) or over all grouped layers together. */
  scope: 'layer' | 'network';
  /** λ schedule; given keys override DEFAULT_LAMBDA_SCHEDULE one by one. */
  lambda: LambdaScheduleOptions;
  /** One run per penalty; 'group-lasso' is the control. */
  penalty: PenaltyName[];
  /** Epochs of fine-tuning with the group mask fixed, added after the proximal phase. */
  finetuneEpochs: number;
  /** Runs per (k, penalty), with independent seeds. */
  seeds: number;
  /** The over-parameterised parent; default: the widest point of the space. */
  base?: Sample;
  /** Retrain the derived narrower network as its own trial (default true). */
  derive: boolean;
}

const KEYS = ['k', 'groups', 'scope', 'lambda', 'penalty', 'finetuneEpochs', 'seeds', 'base', 'derive'];
const UNITS: GroupUnit[] = ['neuron', 'filter', 'channel', 'weight'];

const bad = (key: string, expected: string, got: unknown): WgsefError =>
  new WgsefError(`strategy.options.${key} must be ${expected}, got ${JSON.stringify(got)}`);

const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/** Validates `strategy.options`; every error names the key and what it accepts. */
export function parseWgsefOptions(o: JsonObject): WgsefOptions {
  for (const key of Object.keys(o)) {
    if (!KEYS.includes(key)) throw new WgsefError(`unknown key strategy.options.${key} for strategy wgsef; use ${KEYS.join(', ')}`);
  }
  if (o['k'] === undefined) throw new WgsefError('strategy.options.k is required for wgsef: the number of groups to keep (or a list of them)');
  const k = list(o['k']);
  if (k.length === 0 || !k.every(isPositiveInt)) throw bad('k', 'a positive integer or a non-empty list of them', o['k']);
  const groups = o['groups'] ?? 'neuron';
  if (!UNITS.includes(groups as GroupUnit)) throw bad('groups', UNITS.join(' | '), groups);
  const scope = o['scope'] ?? 'layer';
  if (scope !== 'layer' && scope !== 'network') throw bad('scope', '"layer" or "network"', scope);
  const penalty = list(o['penalty'] ?? 'envelope');
  if (penalty.length === 0 || !penalty.every((p) => PENALTY_NAMES.includes(p as PenaltyName))) throw bad('penalty', `one of ${PENALTY_NAMES.join(', ')} or a list of them`, o['penalty']);
  const l = (o['lambda'] ?? {}) as JsonObject;
  if (typeof l !== 'object' || l === null || Array.isArray(l)) throw bad('lambda', '{ initial, growth, max }', o['lambda']);
  const lambda = { ...DEFAULT_LAMBDA_SCHEDULE, ...(l as Partial<LambdaScheduleOptions>) };
  checkLambda(lambda);
  const finetuneEpochs = o['finetuneEpochs'] ?? 1;
  if (typeof finetuneEpochs !== 'number' || !Number.isInteger(finetuneEpochs) || finetuneEpochs < 0) throw bad('finetuneEpochs', 'an integer ≥ 0', finetuneEpochs);
  const seeds = o['seeds'] ?? 1;
  if (!isPositiveInt(seeds)) throw bad('seeds', 'a positive integer (runs per k and penalty)', seeds);
  const base = o['base'];
  if (base !== undefined && (typeof base !== 'object' || base === null || Array.isArray(base))) throw bad('base', 'a sample of the space (an object of dimension values)', base);
  const derive = o['derive'] ?? true;
  if (typeof derive !== 'boolean') throw bad('derive', 'true or false', derive);
  const out: WgsefOptions = {
    k: [...new Set(k as number[])], groups: groups as GroupUnit, scope, lambda,
    penalty: [...new Set(penalty as PenaltyName[])], finetuneEpochs, seeds, derive,
  };
  if (base) out.base = base as Sample;
  return out;
}

/** The training method checks λ again for every trial; checked here, bad values stop the study at init. */
function checkLambda(l: LambdaScheduleOptions): void {
  const rules: [keyof LambdaScheduleOptions, boolean, string][] = [
    ['initial', l.initial > 0 && Number.isFinite(l.initial), 'a positive number'],
    ['growth', l.growth > 1 && Number.isFinite(l.growth), 'a number > 1'],
    ['max', l.max >= l.initial && Number.isFinite(l.max), `a finite number ≥ lambda.initial (${l.initial})`],
    ['everySteps', l.everySteps === undefined || (Number.isInteger(l.everySteps) && l.everySteps >= 1), 'a positive integer (optimiser steps between checks)'],
  ];
  for (const [key, ok, what] of rules) if (!ok) throw bad(`lambda.${key}`, what, l[key]);
}
