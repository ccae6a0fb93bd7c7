import type { SearchEvent } from '../search/index.js';

/**
 * The IPC channel of a worker process started by a supervisor (`sparsenas search --workers N`):
 * events go up, a stop request comes down, and the channel closing means the supervisor is gone.
 */
export interface ParentChannel {
  /** Resolves once the message was handed to the channel (so a worker can flush before it exits). */
  send(event: SearchEvent | WorkerMessage): Promise<void>;
  onStop(listener: () => void): void;
  /** Closes the channel so the process can exit. */
  close(): void;
}

/**
 * What a worker tells its supervisor besides its events: the error that ends it, with its code,
 * sent before it exits, so that the supervisor can tell the cause of a failed run (a full disk)
 * from a worker that only found the study already ended (STUDY_NOT_RUNNING), whichever exits first.
 */
export type WorkerMessage = { type: 'worker.failed'; code: string; message: string };

/** Messages a supervisor sends to its workers. */
export type SupervisorMessage = { type: 'stop' };

/** The channel of this process, when a parent forked it with one. */
export function parentChannel(proc: NodeJS.Process = process): ParentChannel | undefined {
  if (!proc.send || !proc.connected) return undefined;
  return {
    send: (event) => new Promise((resolve) => {
      if (!proc.connected) return resolve();
      proc.send!(event, undefined, {}, () => resolve());
    }),
    onStop: (listener) => {
      proc.on('message', (m: SupervisorMessage) => { if (m?.type === 'stop') listener(); });
      // The supervisor died (kill -9): stop gracefully rather than run on unsupervised.
      proc.on('disconnect', listener);
    },
    close: () => { if (proc.connected) proc.disconnect(); },
  };
}
