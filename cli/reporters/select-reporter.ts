import { DashboardReporter } from './dashboard-reporter.js';
import { JsonReporter } from './json-reporter.js';
import { PlainReporter } from './plain-reporter.js';
import type { Reporter } from './reporter.js';

/**
 * `--json` → NDJSON; else the dashboard when stdout is a terminal, plain lines when it is not
 * (pipes, files, CI). `plain` forces plain lines on a terminal (`--plain`).
 */
export function selectReporter(opts: { tty: boolean; json?: boolean; plain?: boolean }): Reporter {
  if (opts.json) return new JsonReporter();
  if (opts.tty && !opts.plain) return new DashboardReporter();
  return new PlainReporter();
}
