import { TrialAbortedError } from './errors.js';

/**
 * Called between batches (training and evaluation): throws when the trial's AbortSignal has
 * fired, and yields to the event loop at least every `yieldEveryMs` so a UI stays live
 * (tfjs' `data()` resolves in microtasks, which never let timers or input run).
 */
export interface Pacer {
  between(where: () => string): Promise<void>;
}

export function createPacer(signal: AbortSignal | undefined, yieldEveryMs: number, now: () => number): Pacer {
  let last = now();
  return {
    async between(where) {
      if (signal?.aborted) throw new TrialAbortedError(`training aborted ${where()}`);
      if (now() - last >= yieldEveryMs) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        last = now();
        if (signal?.aborted) throw new TrialAbortedError(`training aborted ${where()}`);
      }
    },
  };
}
