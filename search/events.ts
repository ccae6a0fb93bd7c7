import { Observable, Subject, filter } from 'rxjs';
import type { EpochMetrics, Study, Trial } from './types.js';

export type SearchFinishReason = 'max-trials' | 'time-limit' | 'exhausted' | 'stopped';

export type SearchEvent =
  | { type: 'search.started'; at: number; study: Study; backend: string; backendReason: string; resumed: boolean;
      dataset?: { name: string; train: number; validation: number; test: number; shape: number[]; classes: number };
      maxTrials?: number; timeLimitMinutes?: number; completedBefore: number }
  | { type: 'trial.started'; at: number; trial: Trial; totalEpochs: number }
  | { type: 'trial.epochEnded'; at: number; trialId: number; trialNumber: number; totalEpochs: number; metrics: EpochMetrics }
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

/**
 * The search's event stream. Only the runner publishes; listeners get `events$`.
 * A listener that throws is reported on stderr and does not stop the stream or the search.
 */
export class EventBus {
  private readonly subject = new Subject<SearchEvent>();
  readonly events$: Observable<SearchEvent> = this.subject.asObservable();

  publish(event: SearchEvent): void {
    this.subject.next(event);
  }

  /** Subscribe with isolation: errors in `handler` are caught per event. */
  subscribe(handler: (e: SearchEvent) => void): { unsubscribe(): void } {
    return this.events$.subscribe((e) => {
      try {
        handler(e);
      } catch (err) {
        process.stderr.write(`sparsenas: an event listener failed on ${e.type}: ${(err as Error)?.stack ?? err}\n`);
      }
    });
  }

  complete(): void {
    this.subject.complete();
  }
}
