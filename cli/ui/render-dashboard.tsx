import { render } from 'ink';
import type { Observable } from 'rxjs';
import type { SearchEvent } from '../../search/index.js';
import { Dashboard, type DashboardProps } from './Dashboard.js';

export interface DashboardOptions extends Omit<DashboardProps, 'events$'> {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
}

export interface DashboardHandle {
  /** Settles when the dashboard has exited (search finished, stream ended, or `unmount`). */
  waitUntilExit(): Promise<void>;
  unmount(): void;
}

/**
 * Mounts the dashboard on the terminal. Call it before starting the search: it subscribes
 * synchronously, so no event is missed. Ink's own Ctrl+C exit is off (stdin is in raw mode,
 * so SIGINT never arrives): the first Ctrl+C stops gracefully like `q`, the second calls
 * `onForceQuit`, by default unmounting and exiting with code 130 (as a shell reports SIGINT).
 */
export function renderDashboard(events$: Observable<SearchEvent>, opts: DashboardOptions = {}): DashboardHandle {
  const { stdout, stdin, stderr, ...props } = opts;
  const throttleMs = props.throttleMs ?? 250;
  let instance: ReturnType<typeof render> | undefined;
  const forceQuit = props.onForceQuit ?? (() => {
    instance?.unmount();
    // Not a re-raised SIGINT: the CLI's SIGINT handler would read it as a first, graceful stop.
    process.exit(130);
  });
  // Only the streams given: an explicit `undefined` would override ink's process.std* defaults.
  const streams = Object.fromEntries(Object.entries({ stdout, stdin, stderr }).filter(([, v]) => v !== undefined));
  instance = render(<Dashboard events$={events$} {...props} throttleMs={throttleMs} onForceQuit={forceQuit} />, {
    ...streams,
    exitOnCtrlC: false,
    patchConsole: true,
    // Our own batching already limits renders; this caps ink's redraws to match.
    maxFps: throttleMs > 0 ? Math.max(1, Math.ceil(1000 / throttleMs)) : 30,
  });
  return {
    waitUntilExit: async () => { await instance!.waitUntilExit(); },
    unmount: () => instance!.unmount(),
  };
}
