import type { Observable } from 'rxjs';
import type { SearchEvent, Trial } from '../../search/index.js';

/** Where a reporter writes; `process.stdout` or a test buffer. */
export interface Output {
  write(chunk: string): unknown;
}

export interface ReporterOptions {
  /** Default `process.stdout`. */
  out?: Output;
  /** Warnings and errors of a plain reporter; default `process.stderr`. */
  err?: Output;
  /** Dashboard only: `q` / Ctrl+C asks the search to stop (the CLI aborts the runner's signal). */
  onStop?: () => void;
  /** Plain only: colour the trial states with ANSI codes (never set it when stdout is not a TTY). */
  color?: boolean;
  /** Plain only: also print one line per epoch. */
  verbose?: boolean;
  /** Dashboard only: rows in the live leaderboard. */
  topN?: number;
  /** Dashboard only, on resume: the study's earlier trials, so the leaderboard includes them. */
  previousTrials?: readonly Trial[];
  /** Dashboard only: the search runs elsewhere (`sparsenas watch`); `q` quits watching. */
  watching?: boolean;
}

/** A listener attached to one search's events. */
export interface AttachedReporter {
  /** Settles once the reporter has shown `search.finished` (or the stream ended) and flushed. */
  readonly done: Promise<void>;
  /** Stop listening (and unmount the dashboard). Safe to call twice. */
  detach(): void;
}

/**
 * How a search is shown. The engine only publishes events; a reporter subscribes to them,
 * so the runner never knows whether a dashboard, log lines or NDJSON is listening.
 */
export interface Reporter {
  readonly kind: 'dashboard' | 'plain' | 'json';
  attach(events$: Observable<SearchEvent>, options?: ReporterOptions): AttachedReporter;
}

/**
 * Subscribe `onEvent` and resolve `done` after `search.finished` or the end of the stream.
 * A throwing handler is reported on `err` and the stream goes on (as EventBus.subscribe).
 */
export function attachLines(events$: Observable<SearchEvent>, err: Output, onEvent: (e: SearchEvent) => void): AttachedReporter {
  let resolve!: () => void;
  const done = new Promise<void>((r) => { resolve = r; });
  const sub = events$.subscribe({
    next: (e) => {
      try {
        onEvent(e);
      } catch (error) {
        err.write(`sparsenas: the reporter failed on ${e.type}: ${(error as Error)?.message ?? error}\n`);
      }
      if (e.type === 'search.finished') resolve();
    },
    complete: () => resolve(),
    error: () => resolve(),
  });
  return { done, detach: () => { sub.unsubscribe(); resolve(); } };
}
