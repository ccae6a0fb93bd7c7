import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Observable } from 'rxjs';
import type { SearchEvent, Trial } from '../../search/index.js';
import { initialSearchState, reduceSearchState, type DashboardAction, type SearchState } from './search-state.js';

const IMMEDIATE = new Set<DashboardAction['type']>(['stop.requested', 'search.stopping', 'search.finished']);

export interface SearchStateOptions {
  /** Re-render at most once per this many ms; events in between are reduced and shown together. 0 renders every event. */
  throttleMs?: number;
  topN?: number;
  /** Injected clock for elapsed time and ETA. */
  now?: () => number;
  /** How often the clock advances between events (ms); 0 disables the tick. */
  tickMs?: number;
  /** On resume: the study's trials so far, so the leaderboard and best include them. */
  previousTrials?: readonly Trial[];
}

/**
 * Reduces the search's events into a `SearchState`. Every event is reduced at once (the state
 * is always current) but React re-renders are batched to one per `throttleMs`, so a burst of
 * epoch events costs one frame. Subscribes in a layout effect, which ink runs synchronously
 * inside `render()`, so events published right after `render()` returns are not lost.
 * Returns the state, a dispatch for the dashboard's own actions, and whether the stream ended.
 */
export function useSearchState(events$: Observable<SearchEvent>, opts: SearchStateOptions = {}): {
  state: SearchState; dispatch: (a: DashboardAction) => void; closed: boolean;
} {
  const { throttleMs = 250, topN, tickMs = 1000 } = opts;
  const nowRef = useRef(opts.now ?? Date.now);
  nowRef.current = opts.now ?? Date.now;
  const current = useRef<SearchState>(initialSearchState({ now: nowRef.current(), topN, previousTrials: opts.previousTrials }));
  const [state, setState] = useState(current.current);
  const [closed, setClosed] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const mounted = useRef(true);

  const flush = useRef(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = undefined;
    if (mounted.current) setState(current.current);
  }).current;
  const dispatch = useRef((action: DashboardAction) => {
    current.current = reduceSearchState(current.current, action);
    if (!mounted.current) return;
    // The user's stop and the end of the search show at once; the rest waits for the next frame.
    if (throttleMs <= 0 || IMMEDIATE.has(action.type)) flush();
    else timer.current ??= setTimeout(flush, throttleMs);
  }).current;

  useLayoutEffect(() => {
    mounted.current = true;
    const sub = events$.subscribe({
      next: (e) => dispatch(e),
      // Flush first: the app exits once closed, and a pending frame would be lost.
      complete: () => { flush(); setClosed(true); },
      error: () => { flush(); setClosed(true); },
    });
    return () => {
      mounted.current = false;
      sub.unsubscribe();
      if (timer.current) clearTimeout(timer.current);
      timer.current = undefined;
    };
  }, [events$, dispatch, flush]);

  const finished = state.phase === 'finished';
  useEffect(() => {
    if (tickMs <= 0 || finished) return;
    const id = setInterval(() => dispatch({ type: 'clock.ticked', at: nowRef.current() }), tickMs);
    id.unref?.();
    return () => clearInterval(id);
  }, [tickMs, finished, dispatch]);

  return { state, dispatch, closed };
}
