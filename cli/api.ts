import { resolve } from 'node:path';
import type { Container } from 'inversify';
import type { Observable } from 'rxjs';
import {
  EventBus, SparsenasError, createPruner, describeError, parseDefinition, runSearch, withStrategyDefaults,
} from '../search/index.js';
import type { SearchEvent, SearchOutcome, Store, StudyDefinition, StudyDefinitionInput } from '../search/index.js';
import { createContainer, evaluatorFactory, spaceFactory, strategyFactory } from './container.js';
import { namedEvaluator } from './plugin-evaluator.js';
import { BUILTIN_COMPONENTS, checkComponentOptions } from './component-schemas.js';
import { artifactsDirFor, openStore as openAnyStore, studyArtifactsDir } from './open-store.js';

export const DEFAULT_DB = 'sparsenas.db';

export interface SearchOptions {
  /** Study name (default: the definition's `study`, else `<space>-<strategy>-<date>`). */
  study?: string;
  /** Database file (default ./sparsenas.db), ':memory:', or an open Store (left open). */
  db?: string | Store;
  /** Aborting stops the search gracefully; the running trial is recorded as interrupted. */
  signal?: AbortSignal;
  /** Extra plugin files (added to the definition's `plugins`, stored with the study). Relative paths: to the working directory. */
  plugins?: string[];
  /** A container to resolve strategies, spaces and evaluators from (tests swap fakes in). */
  container?: Container;
  /** Directory for this study's per-trial trained weights (default: next to the database). */
  artifactsDir?: string;
  /**
   * A directory for every study's weights, `<artifacts>/<study>/trial-N` (`--artifacts`): on many
   * hosts, one they all can read, so the test phase and export find every trial's weights.
   */
  artifacts?: string;
  /** This host's directory of the dataset files, instead of the study's (`sparsenas worker --data-dir`). */
  dataDir?: string;
  now?: () => number;
  /** How long (ms) a process may go without a heartbeat before another presumes it dead (default 60 000). */
  staleAfterMs?: number;
  /** The longest one strategy call (ask, tell, snapshot…) may take before the study fails with a clear error (default min(30 000, staleAfterMs / 3)). */
  strategyTimeoutMs?: number;
}

export interface ResumeOptions extends SearchOptions {
  /** Replaces the given budget keys (the others, e.g. the time limit, stay as stored). */
  budget?: StudyDefinition['budget'];
  /** Take over although another process looks alive (you know it is dead). */
  force?: boolean;
}

/** A running search: await it for the outcome; subscribe to `events$` for progress. */
export class SearchRun implements Promise<SearchOutcome> {
  readonly [Symbol.toStringTag] = 'SearchRun';
  private readonly bus = new EventBus();
  readonly events$: Observable<SearchEvent> = this.bus.events$;
  private readonly done: Promise<SearchOutcome>;

  constructor(work: (bus: EventBus) => Promise<SearchOutcome>) {
    // Start on the next tick, so a caller can subscribe to events$ first.
    this.done = new Promise<void>((r) => setImmediate(r)).then(() => work(this.bus)).finally(() => this.bus.complete());
  }

  then<A = SearchOutcome, B = never>(ok?: ((v: SearchOutcome) => A | PromiseLike<A>) | null, fail?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.done.then(ok, fail);
  }

  catch<B = never>(fail?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<SearchOutcome | B> {
    return this.done.catch(fail);
  }

  finally(f?: (() => void) | null): Promise<SearchOutcome> {
    return this.done.finally(f);
  }
}

/**
 * Runs a search from a definition (the config file's shape; defaults fill the rest).
 *   const run = search({ space: { name: 'mlp' }, budget: { maxTrials: 5 } });
 *   run.events$.subscribe(e => console.log(e.type));
 *   const { best } = await run;
 */
export function search(config: StudyDefinitionInput, options: SearchOptions = {}): SearchRun {
  // Every problem at once, the built-in spaces' and strategies' options included; a plugin's are checked once it is loaded.
  // A built-in strategy's needs (dass: the darts space) under what the caller gave.
  const definition = parseDefinition(withStrategyDefaults(config, BUILTIN_COMPONENTS), 'search definition', BUILTIN_COMPONENTS);
  // Stored absolute, with the study: a resume (from any directory) loads the same plugins.
  definition.plugins = [...new Set([...definition.plugins, ...(options.plugins ?? [])].map((p) => resolve(p)))];
  const study = options.study ?? definition.study ?? defaultStudyName(definition, options.now?.() ?? Date.now());
  return new SearchRun((bus) => execute(definition, study, 'create', bus, options));
}

/**
 * Continues a study that was stopped or killed: interrupted trials are redone, nothing is
 * duplicated. Refused (STUDY_BUSY) while another process looks alive, unless `force`.
 */
export function resume(study: string, options: ResumeOptions = {}): SearchRun {
  return new SearchRun((bus) => withStoredStudy(study, options, (definition, store, artifactsDir) =>
    execute(resumedDefinition(definition, options.budget), study, 'resume', bus, { ...options, db: store, artifactsDir })));
}

/**
 * The stored definition with a budget from the command line merged in: a raised --trials keeps
 * the time limit, and a key given as `undefined` (`{ maxTrials: 50, timeLimitMinutes: undefined }`)
 * keeps the stored value instead of erasing it.
 */
export function resumedDefinition(stored: StudyDefinition, budget: StudyDefinition['budget'] | undefined): StudyDefinition {
  const given = Object.fromEntries(Object.entries(budget ?? {}).filter(([, v]) => v !== undefined));
  return Object.keys(given).length ? { ...stored, budget: { ...stored.budget, ...given } } : stored;
}

/**
 * Takes part in a study another process runs (`sparsenas worker`): claims waiting trials and asks
 * for new ones until the budget is spent, beside the other workers.
 */
export function work(study: string, options: SearchOptions = {}): SearchRun {
  return new SearchRun((bus) => withStoredStudy(study, options, (definition, store, artifactsDir) =>
    execute(definition, study, 'join', bus, { ...options, db: store, artifactsDir })));
}

async function withStoredStudy(study: string, options: SearchOptions, fn: (definition: StudyDefinition, store: Store, artifactsDir: string | undefined) => Promise<SearchOutcome>): Promise<SearchOutcome> {
  const store = await openStore(options.db, { mustExist: true });
  try {
    const s = await store.getStudy(study);
    if (!s) throw new SparsenasError('STUDY_NOT_FOUND', `study "${study}" not found in ${typeof options.db === 'string' ? options.db : 'the store'}; \`sparsenas list studies\` shows the studies`);
    // The store is passed open; the artifacts still go beside the database file.
    return await fn(s.definition, store, weightsDir(options, study));
  } finally {
    if (typeof options.db !== 'object') await store.close();
  }
}

async function execute(definition: StudyDefinition, studyName: string, mode: 'create' | 'resume' | 'join', bus: EventBus, options: SearchOptions & { force?: boolean }): Promise<SearchOutcome> {
  const parts = await resolveParts(definition, options, mode === 'create');
  const store = await openStore(options.db);
  try {
    return await runSearch({
      store, space: parts.space, evaluator: parts.evaluator, bus, definition, studyName, strategy: parts.strategy,
      resume: mode === 'resume', join: mode === 'join', force: options.force, staleAfterMs: options.staleAfterMs,
      strategyTimeoutMs: options.strategyTimeoutMs,
      strategyName: parts.strategyName,
      spaceName: parts.spaceName,
      pruner: createPruner(definition.pruner.name, definition.pruner.options),
      signal: options.signal,
      now: options.now,
      artifactsRoot: weightsDir(options, studyName),
      dataDir: options.dataDir,
    });
  } finally {
    await parts.evaluator.dispose().catch(() => {});
    if (typeof options.db !== 'object') await store.close();
  }
}

/** The study's space, strategy and evaluator from the container (plugins loaded), named for errors. */
export async function resolveParts(definition: StudyDefinition, options: Pick<SearchOptions, 'container' | 'plugins'>, checkOptions = false) {
  const container = options.container ?? (await createContainer([...definition.plugins, ...(options.plugins ?? [])]));
  const sf = strategyFactory(container, definition.strategy.name);
  const spf = spaceFactory(container, definition.space.name);
  // A new study's options against the schemas of the parts it uses, plugins' included, before any store is opened.
  // (A stored study is not re-checked: it resumes with the options it was created with.)
  if (checkOptions) checkComponentOptions(definition, spf, sf);
  const ef = evaluatorFactory(container, definition.evaluator.name);
  const space = create('space', spf, (f) => f.create(definition.space.options));
  const strategy = create('strategy', sf, (f) => f.create());
  const made = create('evaluator', ef, (f) => f.create(definition.evaluator.options));
  const evaluator = isPlugin(ef) ? namedEvaluator(made, describeFactory(ef)) : made;
  return { space, strategy, evaluator, strategyName: describeFactory(sf), spaceName: describeFactory(spf) };
}

/** `"name"`, or `"name" (plugin /path/plugin.js)`: how errors name a strategy, space or evaluator. */
function describeFactory(f: { name: string; source?: string }): string {
  return isPlugin(f) ? `"${f.name}" (plugin ${f.source})` : `"${f.name}"`;
}

const isPlugin = (f: { source?: string }) => !!f.source && f.source !== 'built-in';

/** Calls a factory's create(); a plugin's unexpected error is reported naming the plugin and the method. */
function create<F extends { name: string; source?: string }, T>(kind: string, factory: F, make: (f: F) => T): T {
  try {
    return make(factory);
  } catch (err) {
    if (err instanceof SparsenasError) throw err;
    throw new SparsenasError('PLUGIN_FAILED', `${kind} ${describeFactory(factory)} threw in create(): ${describeError(err)}`, { cause: err });
  }
}

/**
 * Opens a store: a SQLite file (created if absent, unless `mustExist`), ':memory:', a
 * `postgres://` URL, or passes an open Store through (see `cli/open-store.ts`).
 */
export function openStore(db: string | Store = DEFAULT_DB, options: { mustExist?: boolean; readOnly?: boolean } = {}): Promise<Store> {
  return openAnyStore(db, options);
}

export { artifactsDirFor };

/** Where a study's weights go: `artifactsDir`, else under `artifacts`, else beside the database. */
export function weightsDir(options: Pick<SearchOptions, 'artifactsDir' | 'artifacts' | 'db'>, study: string): string | undefined {
  return options.artifactsDir ?? (options.artifacts ? studyArtifactsDir(resolve(options.artifacts), study) : artifactsDirFor(options.db, study));
}

export function defaultStudyName(d: StudyDefinition, now: number): string {
  const t = new Date(now).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${d.space.name}-${d.strategy.name}-${t}`;
}
