import type { Json, JsonObject } from './json.js';
import type { StudyDefinition } from './config.js';
import type { SearchSpace } from './space.js';
import type { Candidate, Trial } from './types.js';

export interface StrategyContext {
  readonly space: SearchSpace;
  /** The study seed; derive every random stream from it. */
  readonly seed: number;
  /** `strategy.options` of the definition. */
  readonly options: JsonObject;
  readonly definition: StudyDefinition;
  /** Shape of one input sample and number of classes, when the evaluator knows them (for FLOP budgets). */
  readonly dataset?: { shape: number[]; classes: number };
  /**
   * The training methods the study's evaluator can train (`EvaluatorInfo.trainingMethods`);
   * absent or empty: none. A strategy whose candidates set `training.method` calls
   * `requireTrainingMethods(context, [...])` in `init`.
   */
  readonly trainingMethods?: readonly string[];
}

/**
 * A search strategy: the small contract every built-in and plugin strategy implements.
 * The runner drives it: init → (ask → evaluate → tell)* ; snapshot after every ask and every tell.
 */
export interface Strategy {
  /** Called once per study before the first ask (also on resume, before `restore`). */
  init(context: StrategyContext): void | Promise<void>;
  /**
   * Called whenever the runner can start a trial. `history` holds every trial of the study
   * so far (snapshots). Return the next candidate, or `undefined` when the strategy is
   * exhausted (the search then ends once running trials finish).
   */
  ask(history: readonly Trial[]): Candidate | undefined | Promise<Candidate | undefined>;
  /**
   * Called once per trial when it ends (completed, pruned, failed or interrupted); a trial
   * killed with its process is told as interrupted on resume. A resumed study re-runs an
   * interrupted trial as a new trial (attribute `redoOf`), told like any other.
   */
  tell(trial: Trial): void | Promise<void>;
  /**
   * JSON snapshot of the internal state, saved after every ask and every tell so a resumed
   * study continues without proposing again a candidate it already proposed.
   */
  snapshot(): Json;
  /** Restores a snapshot taken by `snapshot` (called after `init` on resume). */
  restore(state: Json): void;
}
export const Strategy = Symbol.for('sparsenas.Strategy');

/** Creates fresh strategy instances by name; bound once per strategy in the container. */
export interface StrategyFactory {
  readonly name: string;
  /** One line for `sparsenas list strategies`. */
  readonly description: string;
  /** 'built-in' or the plugin file that registered it. */
  source?: string;
  create(): Strategy;
}
export const StrategyFactory = Symbol.for('sparsenas.StrategyFactory');
