import type { Observable } from 'rxjs';
import type { SearchEvent } from '../../search/index.js';
import type { ParentChannel } from '../parent-channel.js';
import type { AttachedReporter } from './reporter.js';

/**
 * A worker's events, sent to its supervisor, which shows them (the supervisor's dashboard is fed
 * by all its workers). `done` settles once every event, `search.finished` included, was handed
 * to the channel.
 */
export function attachIpcReporter(events$: Observable<SearchEvent>, channel: ParentChannel): AttachedReporter {
  const pending: Promise<void>[] = [];
  let resolve!: () => void;
  const ended = new Promise<void>((r) => { resolve = r; });
  const sub = events$.subscribe({
    next: (e) => {
      pending.push(channel.send(e));
      if (e.type === 'search.finished') resolve();
    },
    complete: () => resolve(),
    error: () => resolve(),
  });
  return { done: ended.then(() => Promise.all(pending)).then(() => undefined), detach: () => { sub.unsubscribe(); resolve(); } };
}
