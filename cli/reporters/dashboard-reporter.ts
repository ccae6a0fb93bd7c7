import type { Observable } from 'rxjs';
import type { SearchEvent } from '../../search/index.js';
import { renderDashboard } from '../ui/index.js';
import type { AttachedReporter, Reporter, ReporterOptions } from './reporter.js';

/** The live Ink dashboard as a reporter (stdout must be a TTY). */
export class DashboardReporter implements Reporter {
  readonly kind = 'dashboard' as const;

  attach(events$: Observable<SearchEvent>, options: ReporterOptions = {}): AttachedReporter {
    const handle = renderDashboard(events$, {
      onStop: options.onStop, topN: options.topN, previousTrials: options.previousTrials, watching: options.watching,
      stdout: options.out as NodeJS.WriteStream | undefined,
    });
    return { done: handle.waitUntilExit(), detach: () => handle.unmount() };
  }
}
