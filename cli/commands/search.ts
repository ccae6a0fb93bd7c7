import { dirname, resolve } from 'node:path';
import type { StudyDefinitionInput, Trial } from '../../search/index.js';
import type { ReporterOptions } from '../reporters/reporter.js';
import { openStudy } from '../query.js';
import { SparsenasError, mergeDefinition, parseDefinition, withStrategyDefaults } from '../../search/index.js';
import { defaultStudyName, search, resume, work, DEFAULT_DB } from '../api.js';
import { superviseSearch } from '../supervisor.js';
import { attachIpcReporter } from '../reporters/ipc-reporter.js';
import type { SearchRun } from '../api.js';
import { intFlag, numberFlag, oneOf, parseFlags, dbFlag } from '../args.js';
import { readConfigFile } from '../config-file.js';
import { BUILTIN_COMPONENTS } from '../component-schemas.js';
import { SPARSITY_FLAGS_HELP, sparsityFromFlags } from '../sparsity-flags.js';
import { selectReporter } from '../reporters/index.js';
import type { CommandIo } from '../io.js';
import { UsageError } from '../errors.js';
import { AUTO_RULE, applyThreads, resolveParallelism } from '../parallelism.js';

/** The flag that sets each key a strategy's `definitionDefaults` may give (other keys are shown as config keys). */
const FLAG_OF: Record<string, string> = {
  'space.name': '--space', 'dataset.name': '--dataset', 'dataset.subset': '--subset', 'training.epochs': '--epochs',
  'training.batchSize': '--batch-size', 'training.learningRate': '--lr', 'budget.maxTrials': '--trials', pruner: '--pruner',
};

/** One help line per built-in strategy with definition defaults: what it sets when the flags and the config file leave it out. */
export function strategyDefaultsHelp(): string {
  const leaves = (o: unknown, path: string[] = []): [string, unknown][] =>
    typeof o === 'object' && o !== null && !Array.isArray(o)
      ? Object.entries(o).flatMap(([k, v]) => leaves(v, [...path, k]))
      : [[path.join('.'), o]];
  return (BUILTIN_COMPONENTS.strategies ?? []).filter((f) => f.definitionDefaults).map((f) => {
    const set = leaves(f.definitionDefaults).map(([k, v]) => (FLAG_OF[k] ? `${FLAG_OF[k]} ${String(v)}` : `${k}=${JSON.stringify(v)}`)).join(' ');
    return `                          ${f.name} sets ${set} unless given\n`;
  }).join('');
}

export const SEARCH_HELP = `sparsenas search — run a search and store every trial

  --space NAME            search space (mlp, cnn, darts, or a plugin's)   [mlp]
  --strategy NAME         search strategy (sparsenas list strategies)     [random]
                          a strategy's defaults apply however it is named (flag or config file);
${strategyDefaultsHelp()}  --dataset NAME|PATH     embedded, fashion-mnist, mnist, cifar10, ... or a file/dir  [embedded]
  --data-dir DIR          where dataset files are
  --subset N              use N training samples (stratified)
  --trials N              stop after N trials
  --epochs N              epochs per trial                                [1]
  --batch-size N          batch size                                      [128]
  --lr X                  learning rate                                   [0.001]
  --time-limit MINUTES    stop starting trials after this long
  --max-nonzeros N        constraint: at most N non-zero parameters (such candidates are never trained)
  --max-sparse-flops N    constraint: at most N forward FLOPs per sample with masks applied (never trained)
  --max-latency-ms X      constraint: at most X ms per inference at batch 1 (measured; slower trials are not ranked)
  --workers N|auto        N worker processes share the study (plus this one showing progress)  [1]
                          each gets CPUs/N native kernel threads; ${AUTO_RULE}
  --threads T             threads of each process's native kernels (1-16)  [CPUs/workers]
  --stale-timeout SECONDS a worker silent this long is presumed dead, its trial redone  [60]
  --strategy-timeout SECONDS a strategy call taking longer fails the study   [min(30, stale/3)]
  --seed N                study seed; every trial seed derives from it    [0]
  --study NAME            study name                                      [<space>-<strategy>-<time>]
  --db PATH|URL           SQLite file or postgres:// URL                 [${DEFAULT_DB}]
  --artifacts DIR         trained weights go to DIR/<study>/trial-N        [beside the database]
  --backend NAME          auto | tensorflow-gpu | webgpu | tensorflow | native | wasm | cpu   [auto]
  --allow-software-gpu    let webgpu run on a software adapter (Mesa llvmpipe): correctness checks only
  --gpu-concurrency N     at most N processes train on one GPU; the others use the next CPU backend
  --pruner NAME           none | median | successive-halving              [none]
${SPARSITY_FLAGS_HELP}
  --config FILE           JSON or YAML file with the whole search definition (flags override it)
  --plugin FILE           ES module adding strategies/spaces/evaluators (repeatable; docs/plugins.md)
  --json                  print NDJSON events (one per line) for scripts
  --plain                 plain progress lines even on a terminal (default when stdout is not a TTY)
  --verbose               plain lines: also one line per epoch
`;

const FLAGS = {
  space: { type: 'string' }, strategy: { type: 'string' }, dataset: { type: 'string' }, 'data-dir': { type: 'string' },
  subset: { type: 'string' }, trials: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' },
  lr: { type: 'string' }, 'time-limit': { type: 'string' }, seed: { type: 'string' }, study: { type: 'string' },
  db: { type: 'string' }, backend: { type: 'string' }, pruner: { type: 'string' }, config: { type: 'string' },
  'allow-software-gpu': { type: 'boolean' }, 'gpu-concurrency': { type: 'string' },
  plugin: { type: 'string', multiple: true }, json: { type: 'boolean' }, plain: { type: 'boolean' }, verbose: { type: 'boolean' },
  'max-nonzeros': { type: 'string' }, 'max-sparse-flops': { type: 'string' }, 'max-latency-ms': { type: 'string' },
  workers: { type: 'string' }, threads: { type: 'string' }, 'stale-timeout': { type: 'string' }, 'strategy-timeout': { type: 'string' }, artifacts: { type: 'string' },
  sparsity: { type: 'string' }, methods: { type: 'string' }, kinds: { type: 'string' },
} as const;

/** Flags → a definition fragment; everything is validated before the database is opened. */
export function definitionFromFlags(argv: string[], cwd: string): { definition: StudyDefinitionInput; values: Record<string, unknown> } {
  const { values: v } = parseFlags('search', argv, FLAGS);
  if (v['help']) return { definition: {}, values: v };
  let base: StudyDefinitionInput = {};
  if (typeof v['config'] === 'string') {
    const file = resolve(cwd, v['config']);
    base = readConfigFile(file);
    // Plugin paths in a config file are relative to the file.
    if (Array.isArray(base.plugins)) base.plugins = base.plugins.map((p) => resolve(dirname(file), String(p)));
  }
  const flags: StudyDefinitionInput = {
    study: v['study'] as string | undefined,
    seed: intFlag('seed', v['seed']),
    space: v['space'] ? { name: v['space'] as string } : undefined,
    strategy: v['strategy'] ? { name: v['strategy'] as string } : undefined,
    dataset: {
      name: v['dataset'] as string | undefined,
      dataDir: v['data-dir'] ? resolve(cwd, v['data-dir'] as string) : undefined,
      subset: intFlag('subset', v['subset'], 1),
    },
    training: { epochs: intFlag('epochs', v['epochs'], 1), batchSize: intFlag('batch-size', v['batch-size'], 1), learningRate: numberFlag('lr', v['lr']) },
    budget: { maxTrials: intFlag('trials', v['trials'], 1), timeLimitMinutes: numberFlag('time-limit', v['time-limit']) },
    constraints: constraintFlags(v),
    backend: oneOf('backend', v['backend'], ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'native', 'wasm', 'cpu'] as const),
    evaluator: gpuOptions(v),
    pruner: v['pruner'] ? { name: oneOf('pruner', v['pruner'], ['none', 'median', 'successive-halving'] as const) } : undefined,
    plugins: v['plugin'] ? [...(base.plugins ?? []), ...(v['plugin'] as string[]).map((p) => resolve(cwd, p))] : undefined,
  };
  // A dataset path given on the command line is relative to the working directory.
  const ds = flags.dataset!;
  if (ds.name && /[/\\]|\.(csv|gz|bin)$/i.test(ds.name)) ds.name = resolve(cwd, ds.name);
  // The strategy the flags and the config file resolve to brings its own needs (dass: the darts
  // space, a quick-run batch and subset) under both: flags override the file, the file the defaults.
  let definition = withStrategyDefaults(mergeDefinition(base, flags), BUILTIN_COMPONENTS);
  const spaceName = definition.space?.name ?? 'mlp';
  const sparsity = sparsityFromFlags(v, spaceName, BUILTIN_COMPONENTS.spaces?.find((f) => f.name === spaceName));
  if (sparsity) definition = mergeDefinition(definition, { space: { options: { sparsity } } } as StudyDefinitionInput);
  const evaluatorName = definition.evaluator?.name ?? 'tfjs';
  if (flags.evaluator && evaluatorName !== 'tfjs') {
    throw new UsageError(`--allow-software-gpu and --gpu-concurrency are options of the tfjs evaluator, but this search uses evaluator "${evaluatorName}"; set its own options in the config file instead`);
  }
  parseDefinition(definition, typeof v['config'] === 'string' ? `config file ${v['config']}` : 'search flags', BUILTIN_COMPONENTS);
  return { definition, values: v };
}

/** --max-nonzeros, --max-sparse-flops, --max-latency-ms → `constraints` (undefined when none is given). */
function constraintFlags(v: Record<string, unknown>): StudyDefinitionInput['constraints'] {
  const c = {
    maxNonzeros: intFlag('max-nonzeros', v['max-nonzeros'], 1),
    maxSparseFlops: numberFlag('max-sparse-flops', v['max-sparse-flops']),
    maxLatencyMs: numberFlag('max-latency-ms', v['max-latency-ms']),
  };
  const set = Object.fromEntries(Object.entries(c).filter(([, x]) => x !== undefined));
  return Object.keys(set).length ? set : undefined;
}

/** The tfjs evaluator's GPU flags, as its options (so workers reading the stored definition get them too). */
function gpuOptions(v: Record<string, unknown>): StudyDefinitionInput['evaluator'] {
  const options: Record<string, unknown> = {};
  if (v['allow-software-gpu']) options['allowSoftwareGpu'] = true;
  const n = intFlag('gpu-concurrency', v['gpu-concurrency'], 1);
  if (n !== undefined) options['gpuConcurrency'] = n;
  return Object.keys(options).length ? { options: options as never } : undefined;
}

export async function searchCommand(argv: string[], io: CommandIo): Promise<number> {
  const { definition, values } = definitionFromFlags(argv, io.cwd);
  if (values['help']) { io.stdout.write(SEARCH_HELP); return 0; }
  const db = dbFlag(io.cwd, values['db'], DEFAULT_DB);
  const { workers, threads, staleAfterMs, strategyTimeoutMs } = processFlags(values, db);
  let run: SearchRun;
  if (workers > 1) {
    const parsed = parseDefinition(definition);
    const study = parsed.study ?? defaultStudyName(parsed, Date.now());
    run = superviseSearch({ definition: parsed, studyName: study, mode: 'create', db, workers, threads, signal: io.signal, staleAfterMs, strategyTimeoutMs, artifacts: artifactsFlag(io.cwd, values) });
  } else {
    applyThreads(threads);
    run = search(definition, { db, signal: io.signal, staleAfterMs, strategyTimeoutMs, artifacts: artifactsFlag(io.cwd, values) });
  }
  const output = attachReporter(run.events$, values, io);
  const outcome = await run.finally(() => output.done);
  if (outcome.reason === 'stopped') { io.stderr.write(`stopped; resume with: sparsenas resume --study ${outcome.study.name}${values['db'] ? ` --db ${values['db']}` : ''}\n`); return 130; }
  return 0;
}

/** --artifacts DIR, absolute (worker processes and other hosts get the same path). */
function artifactsFlag(cwd: string, values: Record<string, unknown>): string | undefined {
  return typeof values['artifacts'] === 'string' ? resolve(cwd, values['artifacts']) : undefined;
}

/** --workers, --threads, --stale-timeout and --strategy-timeout, checked before anything is opened. */
export function processFlags(values: Record<string, unknown>, db: string): { workers: number; threads?: number; staleAfterMs?: number; strategyTimeoutMs?: number } {
  const { workers, threads } = resolveParallelism(values['workers'], values['threads']);
  if (workers > 1 && db === ':memory:') throw new UsageError('--workers needs a database file the worker processes share; drop --db :memory: or use --workers 1');
  const stale = numberFlag('stale-timeout', values['stale-timeout']);
  const strategy = numberFlag('strategy-timeout', values['strategy-timeout']);
  return { workers, threads, staleAfterMs: stale === undefined ? undefined : stale * 1000, strategyTimeoutMs: strategy === undefined ? undefined : strategy * 1000 };
}

/** Dashboard on a terminal, plain lines otherwise, NDJSON with --json; the engine never knows which. */
function attachReporter(events$: SearchRun['events$'], flags: Record<string, unknown>, io: CommandIo, extra: Pick<ReporterOptions, 'previousTrials'> = {}) {
  const reporter = reporterFor(flags, io);
  return reporter.attach(events$, { out: io.stdout, err: io.stderr, onStop: io.stop, color: io.isTTY, verbose: !!flags['verbose'], ...extra });
}

function reporterFor(flags: Record<string, unknown>, io: CommandIo) {
  return selectReporter({ tty: io.isTTY, json: !!flags['json'], plain: !!flags['plain'] });
}

/**
 * The trials a study already has, for the dashboard of `resume` (its leaderboard shows them from
 * the start). Empty when the study cannot be read: resume itself then reports why.
 */
export async function earlierTrials(study: string, db: string): Promise<Trial[]> {
  let view: Awaited<ReturnType<typeof openStudy>> | undefined;
  try {
    view = await openStudy(study, { db });
    return await view.trials();
  } catch {
    return [];
  } finally {
    await view?.close();
  }
}

export const RESUME_HELP = `sparsenas resume — continue a stopped or killed study (interrupted trials are redone)

  --study NAME            the study to resume (required)
  --db PATH|URL           SQLite file or postgres:// URL   [${DEFAULT_DB}]
  --trials N              raise the trial budget to N (a time limit stays)
  --workers N|auto        N worker processes share the study, CPUs/N threads each  [1]
  --threads T             threads of each process's native kernels (1-16)  [CPUs/workers]
  --force                 take over although another process looks alive (you know it is dead)
  --stale-timeout SECONDS a worker silent this long is presumed dead  [60]
  --strategy-timeout SECONDS a strategy call taking longer fails the study   [min(30, stale/3)]
  --artifacts DIR         trained weights go to DIR/<study>/trial-N  [beside the database]
  --json                  print NDJSON events
  --plain / --verbose     plain progress lines (with one per epoch)

A study killed on this machine resumes at once (its process is gone). One whose process was
on another machine, or is paused, is refused until its last heartbeat is older than the
stale timeout; the message says how long that is.
`;

const RESUME_FLAGS = {
  study: { type: 'string' }, db: { type: 'string' }, trials: { type: 'string' }, json: { type: 'boolean' }, plain: { type: 'boolean' },
  verbose: { type: 'boolean' }, workers: { type: 'string' }, threads: { type: 'string' }, force: { type: 'boolean' }, 'stale-timeout': { type: 'string' }, 'strategy-timeout': { type: 'string' },
  artifacts: { type: 'string' },
} as const;

export async function resumeCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values: v } = parseFlags('resume', argv, RESUME_FLAGS);
  if (v['help']) { io.stdout.write(RESUME_HELP); return 0; }
  if (typeof v['study'] !== 'string') throw new UsageError('sparsenas resume: --study NAME is required');
  const db = dbFlag(io.cwd, v['db'], DEFAULT_DB);
  const trials = intFlag('trials', v['trials'], 1);
  const { workers, threads, staleAfterMs, strategyTimeoutMs } = processFlags(v, db);
  if (workers === 1) applyThreads(threads);
  const budget = trials ? { maxTrials: trials } : undefined;
  const force = !!v['force'];
  // Read before the run starts (it publishes on the next tick): the dashboard ranks these from its first frame.
  const previousTrials = reporterFor(v, io).kind === 'dashboard' ? await earlierTrials(v['study'], db) : undefined;
  const run = workers > 1
    ? superviseSearch({ studyName: v['study'], mode: 'resume', budget, db, workers, threads, force, staleAfterMs, strategyTimeoutMs, signal: io.signal, artifacts: artifactsFlag(io.cwd, v) })
    : resume(v['study'], { db, signal: io.signal, force, staleAfterMs, strategyTimeoutMs, budget, artifacts: artifactsFlag(io.cwd, v) });
  const output = attachReporter(run.events$, v, io, { previousTrials });
  const outcome = await run.finally(() => output.done);
  return outcome.reason === 'stopped' ? 130 : 0;
}

export const WORKER_HELP = `sparsenas worker — take part in a running study: claim or ask for trials until its budget is spent

  --study NAME            the study to work on (required; it must be running: start it with search or resume)
  --db PATH|URL           SQLite file or postgres:// URL (workers on many hosts: postgres://)   [${DEFAULT_DB}]
  --data-dir DIR          where this host keeps the study's dataset files (they must match its sha256)
  --artifacts DIR         trained weights go to DIR/<study>/trial-N; on many hosts, a directory all
                          can read (else each host keeps its own and the study records which)
  --stale-timeout SECONDS a worker silent this long is presumed dead  [60]
  --strategy-timeout SECONDS a strategy call taking longer fails the study   [min(30, stale/3)]
  --threads T             threads of this worker's native kernels (1-16)  [every CPU]
  --json                  print NDJSON events
  --plain / --verbose     plain progress lines (with one per epoch)

Any number of workers may share a study: every trial is evaluated once; a worker that is
killed has its trial redone by another. Ctrl-C stops this worker only.
`;

export async function workerCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values: v } = parseFlags('worker', argv, {
    study: { type: 'string' }, db: { type: 'string' }, json: { type: 'boolean' }, plain: { type: 'boolean' }, verbose: { type: 'boolean' },
    'stale-timeout': { type: 'string' }, 'strategy-timeout': { type: 'string' }, ipc: { type: 'boolean' }, artifacts: { type: 'string' }, 'data-dir': { type: 'string' },
    threads: { type: 'string' },
  });
  if (v['help']) { io.stdout.write(WORKER_HELP); return 0; }
  if (typeof v['study'] !== 'string') throw new UsageError('sparsenas worker: --study NAME is required');
  const db = dbFlag(io.cwd, v['db'], DEFAULT_DB);
  const { staleAfterMs, threads, strategyTimeoutMs } = processFlags(v, db);
  applyThreads(threads);
  const controller = new AbortController();
  io.signal.addEventListener('abort', () => controller.abort(), { once: true });
  // Started by a supervisor: events go to it, a stop comes from it.
  const parent = v['ipc'] ? io.parent : undefined;
  if (v['ipc'] && !parent) throw new UsageError('sparsenas worker: --ipc is for worker processes a supervisor starts (sparsenas search --workers N)');
  parent?.onStop(() => controller.abort());
  const dataDir = typeof v['data-dir'] === 'string' ? resolve(io.cwd, v['data-dir']) : undefined;
  const run = work(v['study'], { db, signal: controller.signal, staleAfterMs, strategyTimeoutMs, artifacts: artifactsFlag(io.cwd, v), dataDir });
  const output = parent ? attachIpcReporter(run.events$, parent) : attachReporter(run.events$, v, io);
  try {
    const outcome = await run.finally(() => output.done);
    return outcome.reason === 'stopped' ? 130 : 0;
  } catch (err) {
    // The supervisor ranks its workers' failures by what they were (the cause before a follower).
    if (parent && err instanceof SparsenasError) await parent.send({ type: 'worker.failed', code: err.code, message: err.message });
    throw err;
  }
}
