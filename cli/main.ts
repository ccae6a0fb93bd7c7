import { SparsenasError } from '../search/errors.js';
import { UsageError } from './errors.js';
import type { CommandIo } from './io.js';

export const HELP = `sparsenas — neural architecture search for sparse networks

  sparsenas search [--space mlp] [--strategy random] [--dataset NAME|PATH] [--trials N] ...
  sparsenas search ... --workers N|auto  N worker processes on one study (Ctrl-C stops them all)
                       auto: 1 worker, every CPU a native kernel thread (--threads T sets them)
  sparsenas resume --study NAME [--workers N] [--force]
  sparsenas worker --study NAME    take part in a running study (from another terminal or machine)
  sparsenas leaderboard [--study NAME] [--top N] [--sort METRIC] [--where EXPR] [--pareto] [--format table|json|csv|md]
  sparsenas report [--study NAME] [--format html|md] [--out FILE]
  sparsenas list strategies|spaces|evaluators|datasets|backends|studies [--plugin FILE]
  sparsenas export [--study NAME] [--trial N] --out DIR   trained model in tfjs Layers format
  sparsenas study copy --from DB --to DB STUDY | delete STUDY | rename STUDY NEW
  sparsenas watch [--study NAME] [--db PATH|URL]   follow a study running on any host
  sparsenas schema                 JSON Schema of config files

Run \`sparsenas <command> --help\` for a command's options.
`;

/** Mistakes in what the user asked for (exit 2), as opposed to failures while doing it (exit 1). */
const USAGE_CODES = ['USAGE', 'CONFIG_INVALID', 'SPACE_INVALID_SAMPLE', 'FILTER_INVALID', 'STUDY_NOT_FOUND', 'TRIAL_NOT_FOUND', 'DB_NOT_FOUND', 'PLUGIN_INVALID'];

type Command = (argv: string[], io: CommandIo) => Promise<number>;
// Each command's module is imported when it runs, so `--version`, `--help` and commands that
// never train do not load what they do not use (tfjs above all: ~1 s).
const COMMANDS: Record<string, Command> = {
  search: async (argv, io) => (await import('./commands/search.js')).searchCommand(argv, io),
  resume: async (argv, io) => (await import('./commands/search.js')).resumeCommand(argv, io),
  worker: async (argv, io) => (await import('./commands/search.js')).workerCommand(argv, io),
  leaderboard: async (argv, io) => (await import('./commands/leaderboard.js')).leaderboardCommand(argv, io),
  list: async (argv, io) => (await import('./commands/list.js')).listCommand(argv, io, {
    datasets: async (...a) => (await import('./commands/list-evaluator.js')).listDatasetsText(...a),
    backends: async (...a) => (await import('./commands/list-evaluator.js')).listBackendsText(...a),
  }),
  report: async (argv, io) => (await import('./commands/report.js')).reportCommand(argv, io),
  export: async (argv, io) => (await import('./commands/export.js')).exportCommand(argv, io),
  study: async (argv, io) => (await import('./commands/study.js')).studyCommand(argv, io),
  watch: async (argv, io) => (await import('./commands/watch.js')).watchCommand(argv, io),
  schema: async (argv, io) => (await import('./commands/schema.js')).schemaCommand(argv, io),
};

/** Runs one CLI invocation; returns the exit code (0 ok, 1 failure, 2 usage/config error, 130 stopped). */
export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') { io.stdout.write(HELP); return name ? 0 : 2; }
  if (name === '--version') { io.stdout.write(`${await version()}\n`); return 0; }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')} (sparsenas --help)`);
    return await command(rest, io);
  } catch (err) {
    if (err instanceof SparsenasError) {
      io.stderr.write(`sparsenas: ${err.message}\n`);
      return USAGE_CODES.includes(err.code) || err.code.startsWith('UNKNOWN_') ? 2 : 1;
    }
    io.stderr.write(`sparsenas: unexpected error: ${(err as Error)?.stack ?? err}\n`);
    return 1;
  }
}

async function version(): Promise<string> {
  const { readFileSync } = await import('node:fs');
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
}
