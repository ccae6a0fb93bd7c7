import type { Json, JsonObject } from './json.js';
import type { StudyDefinition, StudyDefinitionInput } from './config.js';
import type { SearchSpace } from './space.js';
import type { Candidate, Trial } from './types.js';
import type { OptionsSchema } from './options-schema.js';

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
 * With several workers on one study, each worker has its own instance; every ask and tell runs
 * inside the study's transaction, after `restore` brought the instance to the stored snapshot
 * whenever another worker moved it. Each call must be short (a timeout fails the study).
 */
export interface Strategy {
  /** Called once per study before the first ask (also on resume, before `restore`). */
  init(context: StrategyContext): void | Promise<void>;
  /**
   * Called whenever the runner can start a trial. `history` holds every trial of the study
   * so far (snapshots), other workers' `running` and `waiting` ones included: never breed from
   * a trial that has not finished, never propose one of them again. Return the next candidate,
   * or `undefined` when there is nothing to propose now: the runner asks again after the
   * running trials end, and the search ends when it gets `undefined` with nothing running.
   */
  ask(history: readonly Trial[]): Candidate | undefined | Promise<Candidate | undefined>;
  /**
   * Called once per trial when it ends (completed, pruned, failed or interrupted), in the order
   * they ended, before the next ask. A trial whose worker was killed is told as interrupted by
   * the worker that notices; its redo (attribute `redoOf`, same candidate and seed) is a new
   * trial, told like any other.
   */
  tell(trial: Trial): void | Promise<void>;
  /**
   * JSON snapshot of the internal state, saved after every ask and every tell so a resumed
   * study continues without proposing again a candidate it already proposed.
   */
  snapshot(): Json;
  /**
   * Restores a snapshot taken by `snapshot`: after `init` on resume, and whenever another worker
   * saved a newer one. It may be called on an instance that has moved on since: restoring must
   * replace the whole state (restoring twice equals restoring once).
   */
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
  /**
   * The schema of `strategy.options` (options-schema.ts): checked before a study is created (every
   * problem at once), listed by `sparsenas list strategies NAME`, and put into sparsenas.schema.json.
   * Without one, any options are accepted and `init` checks them.
   */
  readonly optionsSchema?: OptionsSchema;
  /**
   * What the strategy needs of the rest of a search definition when the user leaves it out
   * (a space, a batch size, a dataset subset sized for its defaults): merged under any
   * definition that resolves to this strategy (`--strategy NAME`, a config file's strategy.name,
   * a `search()` call), whose values win (`withStrategyDefaults` in config.ts).
   */
  readonly definitionDefaults?: StudyDefinitionInput;
  /**
   * The spaces (by name) this strategy searches, when it cannot search any: a new study naming
   * another space is refused before it is created, naming the strategy, the space and the fix.
   * The strategy itself does not check (the conformance suite drives it on spaces of its own).
   * Absent: any space.
   */
  readonly spaces?: readonly string[];
  create(): Strategy;
}
export const StrategyFactory = Symbol.for('sparsenas.StrategyFactory');
