import type { ParentChannel } from './parent-channel.js';

/** What a command gets from the process: injected so commands run in tests without a terminal. */
export interface CommandIo {
  cwd: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  isTTY: boolean;
  /** Aborted when the user asks to stop (Ctrl-C, or `q` in the dashboard). */
  signal: AbortSignal;
  /** Request a graceful stop (what `q` calls). */
  stop(): void;
  env: NodeJS.ProcessEnv;
  /** Set when a supervisor forked this process with an IPC channel (`sparsenas worker --ipc`). */
  parent?: ParentChannel;
}
