import type { Observable } from 'rxjs';
import type { SearchEvent } from '../../search/index.js';
import { attachLines, type Output, type Reporter, type ReporterOptions } from './reporter.js';

/**
 * NDJSON: each event as one JSON object per line (`--json`), for other programs. JSON.stringify
 * escapes line breaks inside strings, so a line is always one whole event.
 */
export class JsonReporter implements Reporter {
  readonly kind = 'json' as const;

  attach(events$: Observable<SearchEvent>, options: ReporterOptions = {}) {
    const out: Output = options.out ?? process.stdout;
    return attachLines(events$, options.err ?? process.stderr, (e) => { out.write(JSON.stringify(e) + '\n'); });
  }
}
