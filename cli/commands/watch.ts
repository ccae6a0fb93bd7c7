import { tap } from 'rxjs';
import { pollStudy } from '../../search/index.js';
import { DEFAULT_DB } from '../api.js';
import { dbFlag, numberFlag, parseFlags } from '../args.js';
import type { CommandIo } from '../io.js';
import { openStudy } from '../query.js';
import { selectReporter } from '../reporters/index.js';

export const WATCH_HELP = `sparsenas watch — follow a study that runs anywhere, from any host

  Reads the store every --interval seconds and shows the study as \`search\` does (dashboard on a
  terminal, plain lines otherwise). It only reads: the workers are neither slowed nor changed.
  Ends when the study is over; q or Ctrl+C quits watching (the search goes on).

  --study NAME        study to follow (default: the most recent)
  --db PATH|URL       SQLite file or postgres:// URL      [${DEFAULT_DB}]
  --interval SECONDS  between two reads                   [1]
  --json              NDJSON events    --plain   plain lines    --verbose   also one line per epoch
`;

export async function watchCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values: v } = parseFlags('watch', argv, {
    study: { type: 'string' }, db: { type: 'string' }, interval: { type: 'string' },
    json: { type: 'boolean' }, plain: { type: 'boolean' }, verbose: { type: 'boolean' },
  });
  if (v['help']) { io.stdout.write(WATCH_HELP); return 0; }
  const intervalMs = (numberFlag('interval', v['interval']) ?? 1) * 1000;
  const view = await openStudy(v['study'] as string | undefined, { db: dbFlag(io.cwd, v['db'], DEFAULT_DB) });
  try {
    const known = await view.store.getTrials(view.study.id);
    let failure: unknown;
    // The reporters end quietly on a stream error; the command must not (a deleted study, a lost server).
    const events$ = pollStudy(view.store, view.study.name, { intervalMs, signal: io.signal, known }).pipe(tap({ error: (e) => { failure = e; } }));
    const reporter = selectReporter({ tty: io.isTTY, json: !!v['json'], plain: !!v['plain'] });
    const output = reporter.attach(events$, {
      out: io.stdout, err: io.stderr, onStop: io.stop, color: io.isTTY, verbose: !!v['verbose'],
      previousTrials: known, watching: true,
    });
    await output.done;
    if (failure) throw failure;
  } finally {
    await view.close();
  }
  return 0;
}
