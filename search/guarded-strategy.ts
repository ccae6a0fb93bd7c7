import type { Json } from './json.js';
import type { Strategy, StrategyContext } from './strategy.js';
import type { Candidate, Trial } from './types.js';
import { SparsenasError, describeError } from './errors.js';

/** The search was asked to stop while a strategy call ran; the call is abandoned. */
export class StopRequested extends SparsenasError {
  constructor() {
    super('STOPPED', 'the search was stopped');
    this.name = 'StopRequested';
  }
}

export interface GuardOptions {
  /** Names the strategy in errors, e.g. `"evolution"` or `"hill" (plugin ./hill.js)`. */
  name: string;
  /** The longest any one call may take (default 30 s): it runs inside the study's transaction. */
  timeoutMs?: number;
  /** Aborting abandons a pending call at once (StopRequested). */
  signal?: AbortSignal;
  /** The study, for the fix in error messages. */
  studyName: string;
}

/**
 * A strategy as the worker loop drives it (the cross-cutting wrapper NNI calls middleware):
 * - every call gets copies in and gives copies out (`structuredClone`), so a strategy never
 *   holds objects the loop or the store also hold;
 * - every call is bounded by a timeout and by the stop signal, so an `ask()` that never settles
 *   or keeps a timer alive cannot hold the study's lock or the process;
 * - the stored snapshot is the strategy's truth: `sync` restores it whenever it is not what this
 *   instance last saved or restored (another worker moved it, or a transaction rolled back);
 * - init, restore, tell and snapshot failures throw STRATEGY_FAILED (they fail the study: a
 *   strategy that missed a tell or whose state cannot be saved would break the no-duplicate
 *   promise); `ask` failures are the caller's to count (a failed trial each).
 */
export class GuardedStrategy {
  /** JSON of the state this instance is known to be in (what it last saved or restored); undefined = unknown. */
  private synced: string | undefined;
  /** The snapshot right after init: a study without a saved state restores to it. */
  private initial!: Json;

  constructor(private readonly strategy: Strategy, private readonly o: GuardOptions) {}

  async init(context: StrategyContext): Promise<void> {
    await this.call('init', () => this.strategy.init(context));
    this.initial = await this.snapshot();
    this.synced = JSON.stringify(this.initial);
  }

  /** Brings the instance to the stored state (`strategyState` as read in this transaction). */
  async sync(stored: Json | undefined): Promise<void> {
    const state = stored ?? this.initial;
    const text = JSON.stringify(state);
    if (text === this.synced) return;
    this.synced = undefined;
    await this.call('restore', () => this.strategy.restore(structuredClone(state)));
    this.synced = text;
  }

  /** A transaction this instance took part in rolled back: its in-memory state is not the stored one. */
  forget(): void {
    this.synced = undefined;
  }

  /** Throws what ask() threw as an `AskFailed` (the caller records a failed trial); other failures as usual. */
  async ask(history: readonly Trial[]): Promise<Candidate | undefined> {
    // The instance advances in ask(): until its snapshot is saved, it is ahead of the store.
    this.synced = undefined;
    const copy = structuredClone(history);
    try {
      const c = await this.bounded('ask', () => this.strategy.ask(copy));
      return c === undefined ? undefined : structuredCloneOr(c);
    } catch (err) {
      if (err instanceof StopRequested || err instanceof StrategyTimeout) throw err;
      throw new AskFailed(`strategy ${this.o.name} threw in ask(): ${describeError(err)}`, err);
    }
  }

  async tell(trial: Trial): Promise<void> {
    this.synced = undefined;
    await this.call('tell', () => this.strategy.tell(structuredClone(trial)), ` for trial ${trial.number}`);
  }

  /** The state to store; plain JSON or STRATEGY_FAILED. Marks the instance as synced to it. */
  async snapshot(): Promise<Json> {
    const state = await this.call('snapshot', () => this.strategy.snapshot());
    let text: string | undefined;
    try {
      text = JSON.stringify(state);
    } catch (err) {
      throw this.failure(`snapshot() returned a value that cannot be stored as JSON (${describeError(err)})`, err);
    }
    if (text === undefined) throw this.failure(`snapshot() returned ${String(state)}, not JSON`);
    this.synced = text;
    return JSON.parse(text) as Json;
  }

  private async call<T>(method: string, fn: () => T | Promise<T>, what = ''): Promise<Awaited<T>> {
    try {
      return await this.bounded(method, fn);
    } catch (err) {
      if (err instanceof StopRequested || err instanceof StrategyTimeout) throw err;
      throw this.failure(`threw in ${method}()${what}: ${describeError(err)}`, err);
    }
  }

  private failure(what: string, cause?: unknown): SparsenasError {
    return new SparsenasError('STRATEGY_FAILED', `strategy ${this.o.name} ${what}. The trials so far are stored; fix the strategy and run \`sparsenas resume --study ${this.o.studyName}\``, { cause });
  }

  /** Races the call against the timeout and the stop signal; neither waits for the strategy. */
  private bounded<T>(method: string, fn: () => T | Promise<T>): Promise<Awaited<T>> {
    const signal = this.o.signal;
    if (signal?.aborted) return Promise.reject(new StopRequested());
    const ms = this.o.timeoutMs ?? 30_000;
    return new Promise<Awaited<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new StrategyTimeout(`strategy ${this.o.name} did not return from ${method}() within ${ms / 1000} s (strategy calls run inside the study's transaction and must be short). The trials so far are stored; fix the strategy and run \`sparsenas resume --study ${this.o.studyName}\``));
      }, ms);
      const onAbort = () => { done(); reject(new StopRequested()); };
      const done = () => { clearTimeout(timer); signal?.removeEventListener('abort', onAbort); };
      signal?.addEventListener('abort', onAbort, { once: true });
      Promise.resolve().then(fn).then((v) => { done(); resolve(v as Awaited<T>); }, (e) => { done(); reject(e); });
    });
  }
}

/** ask() threw: the caller records a failed trial (and gives up after several in a row). */
export class AskFailed extends SparsenasError {
  constructor(message: string, cause: unknown) {
    super('STRATEGY_ASK_FAILED', message, { cause });
    this.name = 'AskFailed';
  }
}

export class StrategyTimeout extends SparsenasError {
  constructor(message: string) {
    super('STRATEGY_TIMEOUT', message);
    this.name = 'StrategyTimeout';
  }
}

/** A candidate that cannot be cloned (a function inside) is passed on as is: validation reports it. */
function structuredCloneOr<T>(v: T): T {
  try {
    return structuredClone(v);
  } catch {
    return v;
  }
}
