import { Observable, Subject, Subscriber, filter } from 'rxjs';
import type { Operator, Observer, Subscription } from 'rxjs';
import type { EpochMetrics, Study, Trial } from './types.js';

/** At most one `trial.progress` event per trial in this many ms (a dashboard redraw, an NDJSON line). */
export const PROGRESS_EVERY_MS = 250;

export type SearchFinishReason = 'max-trials' | 'time-limit' | 'exhausted' | 'stopped';

export type SearchEvent =
  | { type: 'search.started'; at: number; study: Study; backend: string; backendReason: string; resumed: boolean;
      dataset?: { name: string; train: number; validation: number; test: number; shape: number[]; classes: number };
      maxTrials?: number; timeLimitMinutes?: number; completedBefore: number }
  | { type: 'trial.started'; at: number; trial: Trial; totalEpochs: number }
  | { type: 'trial.epochEnded'; at: number; trialId: number; trialNumber: number; totalEpochs: number; metrics: EpochMetrics }
  /** Inside an epoch: `batch` of `batches` done (at most one every PROGRESS_EVERY_MS per trial). */
  | { type: 'trial.progress'; at: number; trialId: number; trialNumber: number; totalEpochs: number; epoch: number; batch: number; batches: number }
  | { type: 'trial.finished'; at: number; trial: Trial }
  /** After the search: one of the best trials measured on the test split (`testTopK`). */
  | { type: 'trial.tested'; at: number; trialNumber: number; testAccuracy: number; testLoss: number }
  | { type: 'search.stopping'; at: number; reason: SearchFinishReason }
  | { type: 'search.finished'; at: number; study: Study; reason: SearchFinishReason; best?: Trial;
      counts: Record<Trial['state'], number> }
  | { type: 'search.log'; at: number; level: 'info' | 'warn' | 'error'; message: string };

export type SearchEventType = SearchEvent['type'];
export type EventOf<T extends SearchEventType> = Extract<SearchEvent, { type: T }>;

/** Typed filter, as nestjs/cqrs' ofType. */
export function ofType<T extends SearchEventType>(...types: T[]) {
  return (source: Observable<SearchEvent>): Observable<EventOf<T>> =>
    source.pipe(filter((e): e is EventOf<T> => (types as string[]).includes(e.type)));
}

/** Reports a listener's throw on stderr (what rxjs would otherwise rethrow on a timer, ending the process). */
function reportListenerError(err: unknown, what: string): void {
  process.stderr.write(`sparsenas: an event listener failed on ${what}: ${(err as Error)?.stack ?? err}\n`);
}

function guard<A extends unknown[]>(fn: (...args: A) => void, what: (...args: A) => string): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      reportListenerError(err, what(...args));
    }
  };
}

/**
 * An Observable whose subscribers cannot throw out of it: a `next`, `error` or `complete`
 * callback that throws is reported on stderr and the stream goes on. rxjs alone rethrows such an
 * error asynchronously (an uncaught exception). Operators keep the isolation (`lift` returns
 * the same class), so `events$.pipe(filter(...)).subscribe(throwing)` is isolated too.
 */
export class IsolatedObservable<T> extends Observable<T> {
  override lift<R>(operator?: Operator<T, R>): Observable<R> {
    const observable = new IsolatedObservable<R>();
    observable.source = this;
    observable.operator = operator;
    return observable;
  }

  override subscribe(observerOrNext?: Partial<Observer<T>> | ((value: T) => void) | null, error?: ((e: unknown) => void) | null, complete?: (() => void) | null): Subscription {
    // Operators subscribe their own Subscriber to the source: leave those alone (they chain teardown).
    if (observerOrNext instanceof Subscriber) return super.subscribe(observerOrNext);
    const label = (e: unknown) => (typeof e === 'object' && e !== null && 'type' in e ? String((e as { type: unknown }).type) : 'an event');
    // One observer, whichever form the callbacks came in (a next function with error/complete, or an object).
    const o: Partial<Observer<T>> = observerOrNext == null || typeof observerOrNext === 'function'
      ? { next: observerOrNext ?? undefined, error: error ?? undefined, complete: complete ?? undefined }
      : observerOrNext;
    return super.subscribe({
      next: o.next ? guard((v: T) => o.next!.call(o, v), label) : undefined,
      error: o.error ? guard((e: unknown) => o.error!.call(o, e), () => 'the stream error') : undefined,
      complete: o.complete ? guard(() => o.complete!.call(o), () => 'the end of the stream') : undefined,
    } as Partial<Observer<T>>);
  }
}

/**
 * The search's event stream. Only the runner publishes; listeners get `events$`.
 * A listener that throws is reported on stderr and does not stop the stream or the search.
 */
export class EventBus {
  private readonly subject = new Subject<SearchEvent>();
  readonly events$: Observable<SearchEvent> = new IsolatedObservable<SearchEvent>((subscriber) => this.subject.subscribe(subscriber));

  publish(event: SearchEvent): void {
    this.subject.next(event);
  }

  /** Subscribe with isolation: errors in `handler` are caught per event. */
  subscribe(handler: (e: SearchEvent) => void): { unsubscribe(): void } {
    return this.events$.subscribe(handler);
  }

  complete(): void {
    this.subject.complete();
  }
}
