import { parseArgs } from 'node:util';
import { UsageError } from './errors.js';
import { parseDb } from './open-store.js';

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };
export type OptionSpecs = Record<string, OptionSpec>;

/**
 * Strict flag parsing: an unknown flag or a missing value is a UsageError that names the
 * flag and points at `--help`, raised before anything touches the database.
 */
export function parseFlags(command: string, argv: string[], options: OptionSpecs, allowPositionals = 0) {
  argv = joinNegativeValues(argv, options);
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: allowPositionals > 0 });
    if (parsed.positionals.length > allowPositionals) {
      throw new UsageError(`sparsenas ${command}: unexpected argument "${parsed.positionals[allowPositionals]}"; see \`sparsenas ${command} --help\``);
    }
    return parsed as { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const e = err as { code?: string; message: string };
    const flag = /'([^']+)'/.exec(e.message)?.[1] ?? '';
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`sparsenas ${command}: unknown option ${flag}; see \`sparsenas ${command} --help\``);
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`sparsenas ${command}: ${e.message.replace(/^.*?: /, '')}; see \`sparsenas ${command} --help\``);
    throw new UsageError(`sparsenas ${command}: ${e.message}`);
  }
}

/**
 * `--trials -1`: node's parseArgs refuses a value that starts with a dash ("Did you forget
 * to specify the option argument"). A value that looks like a negative number after a
 * string option is joined to it (`--trials=-1`), so the flag's own check reports it clearly.
 */
function joinNegativeValues(argv: string[], options: OptionSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    const next = argv[i + 1];
    let name: string | undefined;
    if (tok === '--') { out.push(...argv.slice(i)); break; }
    if (/^--[^=]+$/.test(tok)) name = tok.slice(2);
    else if (/^-[^-]$/.test(tok)) name = Object.keys(options).find((k) => options[k]!.short === tok.slice(1));
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(tok);
  }
  return out;
}

/** Parse an integer flag (plain decimal digits only: no "0x10", " 2", "1e3"), naming the flag in the error. */
export function intFlag(name: string, value: unknown, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, got "${value}"`);
  return n;
}

export function numberFlag(name: string, value: unknown, { positive = true } = {}): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || (positive && n <= 0)) throw new UsageError(`--${name} must be a ${positive ? 'positive ' : ''}number, got "${value}"`);
  return n;
}

export function oneOf<T extends string>(name: string, value: unknown, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!choices.includes(value as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}

/**
 * The --db flag: a file path resolved against the working directory, ':memory:', or a
 * postgres:// URL as given; any other URL scheme is a UsageError (see `parseDb`).
 */
export function dbFlag(cwd: string, value: unknown, fallback: string): string {
  const db = parseDb(typeof value === 'string' ? value : fallback, cwd);
  return db.kind === 'sqlite' ? db.file : db.kind === 'memory' ? ':memory:' : db.url;
}
