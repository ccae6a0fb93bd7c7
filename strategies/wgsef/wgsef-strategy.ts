import {
  deriveSeed, DENSE_SPARSITY, requireTrainingMethods, type Architecture, type Candidate, type Json, type JsonObject, type Sample,
  type SearchSpace, type Strategy, type StrategyContext, type StrategyFactory, type TrainingMethodConfig, type Trial,
} from '../../search/index.js';
import { deriveArchitecture, groupedLayers, type Survivors } from './derive-architecture.js';
import { WgsefError } from './errors.js';
import { parseWgsefOptions, type PenaltyName, type WgsefOptions } from './wgsef-options.js';
import { wgsefOptionsSchema } from '../option-schemas.js';

type Phase = 'pending' | 'grouped-asked' | 'grouped-done' | 'derived-asked' | 'done' | 'failed';

/** One (k, penalty, seed) run: a grouped trial, then (optionally) its derived trial. */
interface Job {
  k: number;
  penalty: PenaltyName;
  seedIndex: number;
  seed: number;
  phase: Phase;
  groupedTrial?: number;
  derivedTrial?: number;
  derived?: Architecture;
  /** Grouped layers left with no survivor (kept at width 1 in the derived network). */
  emptied?: string[];
  error?: string;
}

/** Trial group of a job, e.g. `wgsef-k16`, `wgsef-minus-l2-k16`, `group-lasso-k16`. */
export function jobGroup(penalty: PenaltyName, k: number): string {
  const tag = penalty === 'envelope' ? 'wgsef' : penalty === 'envelope-minus-l2' ? 'wgsef-minus-l2' : 'group-lasso';
  return `${tag}-k${k}`;
}

/**
 * The evaluator's training method of a grouped run with `penalty` (evaluators/methods/wgsef):
 * `wgsef` with an envelope penalty, or `group-lasso`.
 */
export function groupedMethod(penalty: PenaltyName, options: WgsefOptions, k: number): TrainingMethodConfig {
  const common: JsonObject = { k, scope: options.scope, groups: options.groups, lambda: { ...options.lambda }, finetuneEpochs: options.finetuneEpochs };
  return methodOf(penalty) === 'group-lasso' ? { name: 'group-lasso', options: common } : { name: 'wgsef', options: { ...common, penalty } };
}

const methodOf = (penalty: PenaltyName): 'wgsef' | 'group-lasso' => (penalty === 'group-lasso' ? 'group-lasso' : 'wgsef');

/**
 * The widest point of a space: the largest value of every numeric or numeric-categorical
 * dimension, except dimensions that read as a sparsity, dropout or rate (their lowest: the
 * parent must be dense and unregularised). A heuristic; `options.base` overrides it.
 */
export function widestSample(space: SearchSpace): Sample {
  const sample: Sample = {};
  for (const d of space.dimensions) {
    const lowest = /sparsity|dropout|rate|level|decay/i.test(d.name);
    if (d.kind === 'categorical') {
      const numeric = d.choices.filter((c): c is number => typeof c === 'number');
      sample[d.name] = numeric.length === d.choices.length && numeric.length > 0
        ? (lowest ? Math.min(...numeric) : Math.max(...numeric))
        : d.choices[0]!;
    } else {
      sample[d.name] = lowest ? d.low : d.high;
    }
  }
  return sample;
}

/**
 * WGSEF (Refael et al.; algorithms.md): for every k, train the over-parameterised parent with
 * the group envelope penalty by proximal gradient until at most k groups survive, keep the
 * top k, fine-tune ("grouped" trial, trained by the evaluator's `wgsef` or `group-lasso`
 * training method, `training.method`); then retrain the narrower network the survivors define as an
 * ordinary trial ("derived"). Group lasso at the same k is the control (penalty option).
 *
 * ask/tell are sequential per job (a derived trial needs its grouped trial's survivors);
 * independent jobs may run in parallel. A grouped trial that fails or is pruned ends its job;
 * an interrupted one is re-run by the runner with the same attributes.
 */
export class WgsefStrategy implements Strategy {
  private options!: WgsefOptions;
  private base!: { sample: Sample; architecture: Architecture };
  private epochs = 1;
  private jobs: Job[] = [];

  init(context: StrategyContext): void {
    this.options = parseWgsefOptions(context.options);
    requireTrainingMethods(context, new Set(this.options.penalty.map(methodOf)));
    // A partial base is completed by the widest values of the other dimensions.
    const sample: Sample = { ...widestSample(context.space), ...(this.options.base ?? {}) };
    let architecture: Architecture;
    try {
      const problem = context.space.check(sample);
      if (problem) throw problem;
      architecture = context.space.freeze(sample);
    } catch (err) {
      throw new WgsefError(`wgsef could not build its parent network from ${this.options.base ? 'strategy.options.base' : 'the widest point of the space'} (${(err as Error).message}); pass strategy.options.base, a (partial) sample of space "${context.space.name}"`);
    }
    // Refused here, not after a whole grouped run whose survivors no layer could take.
    if (groupedLayers(architecture).length === 0) {
      throw new WgsefError(`wgsef narrows dense and conv layers (in sum branches too), and the parent network of space "${context.space.name}" has none (its layers: ${architecture.layers.map((l) => l.type).join(', ')}); DARTS cells (space darts) have no width wgsef can derive: search them with random, grid, evolution or dass, or use the mlp or cnn space`);
    }
    // The penalty does the sparsifying: the parent itself is dense.
    this.base = { sample, architecture: { ...architecture, sparsity: { ...DENSE_SPARSITY } } };
    this.epochs = context.definition.training.epochs;
    this.jobs = [];
    for (const k of this.options.k) {
      for (const penalty of this.options.penalty) {
        for (let s = 0; s < this.options.seeds; s++) {
          // One seed per replicate, shared by every k and penalty: runs of a replicate start from
          // the same parent initialisation and batch order, so penalty and k comparisons are paired.
          this.jobs.push({ k, penalty, seedIndex: s, seed: deriveSeed(context.seed, 'wgsef', s), phase: 'pending' });
        }
      }
    }
  }

  ask(_history: readonly Trial[] = []): Candidate | undefined {
    const ready = this.jobs.findIndex((j) => j.phase === 'grouped-done');
    if (ready >= 0) return this.askDerived(ready);
    const next = this.jobs.findIndex((j) => j.phase === 'pending');
    if (next >= 0) return this.askGrouped(next);
    return undefined;
  }

  tell(trial: Trial): void {
    const tag = trial.attributes?.['wgsef'] as JsonObject | undefined;
    const index = tag?.['job'];
    if (typeof index !== 'number' || !this.jobs[index]) return;
    const job = this.jobs[index]!;
    if (trial.state === 'interrupted' || trial.state === 'running') return; // the runner re-runs it
    if (tag!['phase'] === 'grouped') {
      job.groupedTrial = trial.number;
      if (trial.state !== 'completed') { job.phase = 'failed'; job.error = `grouped trial ${trial.number} ${trial.state}: ${trial.error ?? ''}`.trim(); return; }
      try {
        const outputs = parseGroupedOutputs(trial.metrics?.outputs);
        const unstructured = this.options.groups === 'weight' && outputs.weightSparsity !== undefined;
        const { architecture, emptied } = deriveArchitecture(trial.architecture ?? this.base.architecture, outputs.survivors, unstructured
          // SparsitySpec.level is limited to [0, 0.98].
          ? { sparsity: { ...DENSE_SPARSITY, level: Math.min(0.98, outputs.weightSparsity!), kind: 'unstructured', method: 'static', init: 'magnitude' } }
          : {});
        job.derived = architecture;
        job.emptied = emptied;
        job.phase = this.options.derive ? 'grouped-done' : 'done';
      } catch (err) {
        job.phase = 'failed';
        job.error = (err as Error).message;
      }
    } else if (tag!['phase'] === 'derived') {
      job.derivedTrial = trial.number;
      job.phase = 'done';
      if (trial.state !== 'completed') job.error = `derived trial ${trial.number} ${trial.state}: ${trial.error ?? ''}`.trim();
    }
  }

  snapshot(): Json {
    return { version: 1, jobs: this.jobs } as unknown as Json;
  }

  restore(state: Json): void {
    const s = state as { version?: number; jobs?: Job[] } | null;
    if (!s || s.version !== 1 || !Array.isArray(s.jobs)) throw new WgsefError(`cannot restore wgsef state ${JSON.stringify(state)?.slice(0, 80)}: expected a version 1 snapshot`);
    if (s.jobs.length !== this.jobs.length || s.jobs.some((j, i) => j.k !== this.jobs[i]!.k || j.penalty !== this.jobs[i]!.penalty || j.seedIndex !== this.jobs[i]!.seedIndex)) {
      throw new WgsefError('cannot restore wgsef state: the saved runs (k, penalty, seeds) differ from strategy.options; resume with the options the study was started with');
    }
    this.jobs = structuredClone(s.jobs);
  }

  private attributes(index: number, phase: 'grouped' | 'derived'): JsonObject {
    const job = this.jobs[index]!;
    // `replicate` (the seed index) is the attribute reproductions pair runs by.
    const out: JsonObject = { wgsef: { job: index, phase, k: job.k, penalty: job.penalty, groups: this.options.groups, scope: this.options.scope, seedIndex: job.seedIndex }, replicate: job.seedIndex };
    if (phase === 'derived') {
      out['derivedFrom'] = job.groupedTrial ?? null;
      if (job.emptied?.length) out['emptiedLayers'] = job.emptied;
    }
    return out;
  }

  private askGrouped(index: number): Candidate {
    const job = this.jobs[index]!;
    job.phase = 'grouped-asked';
    return {
      sample: structuredClone(this.base.sample),
      architecture: structuredClone(this.base.architecture),
      group: jobGroup(job.penalty, job.k),
      label: 'grouped',
      // The proximal phase gets the configured epochs; the fine-tune comes on top.
      training: { epochs: this.epochs + this.options.finetuneEpochs, method: groupedMethod(job.penalty, this.options, job.k) },
      seed: job.seed,
      attributes: this.attributes(index, 'grouped'),
    };
  }

  private askDerived(index: number): Candidate {
    const job = this.jobs[index]!;
    job.phase = 'derived-asked';
    return {
      sample: structuredClone(this.base.sample),
      architecture: structuredClone(job.derived!),
      group: jobGroup(job.penalty, job.k),
      label: 'derived',
      seed: deriveSeed(job.seed, 'derived'),
      attributes: this.attributes(index, 'derived'),
    };
  }
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads `metrics.outputs` of a grouped run; throws WgsefError when the evaluator did not produce it. */
export function parseGroupedOutputs(outputs: unknown): GroupedRunOutputs {
  if (!isObject(outputs) || !isObject(outputs['survivors'])) {
    throw new WgsefError('the grouped run returned no metrics.outputs.survivors; the evaluator must train the wgsef or group-lasso method (training.method) and report the surviving groups per layer');
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

export const wgsefStrategyFactory: StrategyFactory = {
  name: 'wgsef',
  optionsSchema: wgsefOptionsSchema,
  description: 'WGSEF: group envelope regularisation (proximal gradient) to exactly k groups, then retrain the narrower network; group lasso control',
  source: 'built-in',
  create: () => new WgsefStrategy(),
};
