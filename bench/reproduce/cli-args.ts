// Command line of `npm run reproduce`: NAME... [--seed N] [--replicates R] [--dataset NAME|PATH]
// [--subset N] [--epochs N] [--focus-replicates N] [--quick] [--full] [--seeds S] [--db FILE] [--results FILE] [--report-only].

export interface ReproduceArgs {
  names: string[];
  seed?: number;
  replicates?: number;
  dataset?: string;
  subset?: number;
  epochs?: number;
  /** Replicates of the reproduction's deciding comparison (ReproParams.focusReplicates). */
  focusReplicates?: number;
  quick: boolean;
  /** Also run the parts a reproduction leaves out of its default for cost (wgsef: the CNN half). */
  full: boolean;
  /** Study seeds to run the whole reproduction under: seed, seed + 1, … (default 1). */
  seeds: number;
  db: string;
  results: string;
  reportOnly: boolean;
}

export const USAGE = 'usage: npm run reproduce -- NAME... [--seed N] [--replicates R] [--dataset NAME|PATH] [--subset N] [--epochs N] [--focus-replicates N] [--quick] [--full] [--seeds S] [--db FILE] [--results FILE] [--report-only]';

/** Integer options: name → [minimum, maximum, what it is]. */
const INTS: Record<string, [number, number, string]> = {
  '--seed': [0, 2 ** 31 - 1, 'the study seed'],
  '--replicates': [2, 1000, 'replicates per configuration (a paired t-test needs at least 2)'],
  '--subset': [20, 60000, 'training images drawn per replicate'],
  '--epochs': [1, 1000, 'training epochs'],
  '--focus-replicates': [0, 5000, "replicates of the reproduction's deciding comparison (0: as many as --replicates)"],
  '--seeds': [1, 20, 'study seeds to repeat the whole reproduction under'],
};
const STRINGS = new Set(['--dataset', '--db', '--results']);

export class ReproduceArgsError extends Error {}

/** Parses and validates; throws ReproduceArgsError naming the option and the fix. */
export function parseReproduceArgs(argv: readonly string[], known: readonly string[]): ReproduceArgs {
  const a: ReproduceArgs = { names: [], quick: false, full: false, seeds: 1, db: 'reproductions.db', results: 'docs/results.md', reportOnly: false };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    let x = argv[i]!;
    let inline: string | undefined;
    if (x.startsWith('--') && x.includes('=')) { inline = x.slice(x.indexOf('=') + 1); x = x.slice(0, x.indexOf('=')); }
    if (x === '--quick' || x === '--full' || x === '--report-only') {
      if (inline !== undefined) throw new ReproduceArgsError(`${x} takes no value (got "${inline}"); ${USAGE}`);
      if (x === '--quick') a.quick = true; else if (x === '--full') a.full = true; else a.reportOnly = true;
      continue;
    }
    if (x in INTS || STRINGS.has(x)) {
      if (seen.has(x)) throw new ReproduceArgsError(`${x} given twice; give it once`);
      seen.add(x);
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new ReproduceArgsError(`${x} needs a value; ${USAGE}`);
      if (STRINGS.has(x)) {
        if (!v.trim()) throw new ReproduceArgsError(`${x} needs a non-empty value`);
        if (x === '--dataset') a.dataset = v; else if (x === '--db') a.db = v; else a.results = v;
        continue;
      }
      const [lo, hi, what] = INTS[x]!;
      if (!/^\d+$/.test(v) || Number(v) < lo || Number(v) > hi) {
        throw new ReproduceArgsError(`${x} must be an integer from ${lo} to ${hi} (${what}); got "${v}"`);
      }
      const n = Number(v);
      if (x === '--seed') a.seed = n; else if (x === '--replicates') a.replicates = n;
      else if (x === '--subset') a.subset = n; else if (x === '--epochs') a.epochs = n;
      else if (x === '--focus-replicates') a.focusReplicates = n; else a.seeds = n;
      continue;
    }
    if (x.startsWith('-')) throw new ReproduceArgsError(`unknown option ${argv[i]}; ${USAGE}`);
    if (!known.includes(x)) throw new ReproduceArgsError(`unknown reproduction "${x}"; known: ${known.join(', ')}`);
    a.names.push(x);
  }
  if (!a.names.length) throw new ReproduceArgsError(`name a reproduction (${known.join(', ')}); ${USAGE}`);
  return a;
}
