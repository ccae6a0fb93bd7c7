import { existsSync, renameSync, rmSync } from 'node:fs';
import { copyStudy } from '../../search/index.js';
import type { Store, Study } from '../../search/index.js';
import { DEFAULT_DB } from '../api.js';
import { dbFlag, parseFlags } from '../args.js';
import { UsageError } from '../errors.js';
import type { CommandIo } from '../io.js';
import { artifactsDirFor, describeDb, openStore, parseDb } from '../open-store.js';
import { findStudy } from '../query.js';

export const STUDY_HELP = `sparsenas study copy|delete|rename — move, remove or rename a whole study

  sparsenas study copy --from DB --to DB STUDY [--as NAME] [--live]
      copies every trial, epoch, worker, strategy state, test result and checksum, then reads
      the copy back and checks it is identical (SQLite file ↔ postgres:// URL, either way)
  sparsenas study delete STUDY [--db DB] [--force]
      deletes the study with its trials and epochs, and its trained weights on this host
  sparsenas study rename STUDY NEW [--db DB] [--force]

  --db PATH|URL   SQLite file or postgres:// URL        [${DEFAULT_DB}]
  --live          copy a study that is still running, as it is now
  --force         delete or rename a study that looks running (its workers were killed)
`;

type Sub = (positionals: string[], v: Record<string, unknown>, io: CommandIo) => Promise<number>;

export async function studyCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values: v, positionals } = parseFlags('study', argv, {
    db: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, as: { type: 'string' },
    live: { type: 'boolean' }, force: { type: 'boolean' },
  }, 3);
  const [what, ...rest] = positionals;
  if (v['help'] || !what) { io.stdout.write(STUDY_HELP); return what || v['help'] ? 0 : 2; }
  const subs: Record<string, Sub> = { copy: copy, delete: remove, rename };
  const sub = subs[what];
  if (!sub) throw new UsageError(`sparsenas study: unknown action "${what}"; choose copy, delete or rename (sparsenas study --help)`);
  return sub(rest, v, io);
}

const copy: Sub = async ([name, extra], v, io) => {
  if (!name || extra) throw new UsageError('sparsenas study copy: name one study: sparsenas study copy --from DB --to DB STUDY');
  if (typeof v['from'] !== 'string' || typeof v['to'] !== 'string') throw new UsageError('sparsenas study copy: --from DB and --to DB are both required');
  const from = dbFlag(io.cwd, v['from'], DEFAULT_DB);
  const to = dbFlag(io.cwd, v['to'], DEFAULT_DB);
  if (from === to) throw new UsageError(`sparsenas study copy: --from and --to are the same database (${describeDb(parseDb(from))}); use \`sparsenas study rename\` there`);
  const source = await openStore(from, { mustExist: true, readOnly: true });
  try {
    const target = await openStore(to);
    try {
      const r = await copyStudy(source, target, name, { as: v['as'] as string | undefined, live: !!v['live'] });
      const weights = artifactsDirFor(from, name, io.cwd);
      io.stdout.write(`copied study ${shown(name)}${r.study.name !== name ? ` as ${shown(r.study.name)}` : ''} (${r.trials} trials, ${r.epochs} epochs) `
        + `from ${describeDb(parseDb(from))} to ${describeDb(parseDb(to))}; read back identical (sha256 ${r.digest.slice(0, 16)}…)\n`
        + (weights && existsSync(weights) ? `trained weights are not copied: they stay in ${weights}\n` : ''));
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
  return 0;
};

const remove: Sub = async ([name, extra], v, io) => {
  if (!name || extra) throw new UsageError('sparsenas study delete: name one study: sparsenas study delete STUDY [--db DB]');
  const db = dbFlag(io.cwd, v['db'], DEFAULT_DB);
  await withStudy(db, name, !!v['force'], 'delete', async (store, study) => {
    await store.deleteStudy(study.id);
    const weights = artifactsDirFor(db, study.name, io.cwd);
    const removed = weights && existsSync(weights);
    if (removed) rmSync(weights, { recursive: true, force: true });
    io.stdout.write(`deleted study ${shown(study.name)} from ${describeDb(parseDb(db))}${removed ? `, and its trained weights in ${weights}` : ''}\n`
      + (parseDb(db).kind === 'postgres' ? 'weights that other hosts saved stay on those hosts\n' : ''));
  });
  return 0;
};

const rename: Sub = async ([name, to, extra], v, io) => {
  if (!name || !to || extra) throw new UsageError('sparsenas study rename: sparsenas study rename STUDY NEW_NAME [--db DB]');
  const db = dbFlag(io.cwd, v['db'], DEFAULT_DB);
  await withStudy(db, name, !!v['force'], 'rename', async (store, study) => {
    await store.renameStudy(study.id, to);
    // The weights' directory is named after the study: it follows, so export finds them.
    const [old, next] = [artifactsDirFor(db, study.name, io.cwd), artifactsDirFor(db, to, io.cwd)];
    const moved = old && next && existsSync(old) && !existsSync(next);
    if (moved) renameSync(old, next);
    io.stdout.write(`renamed study ${shown(study.name)} to ${shown(to)} in ${describeDb(parseDb(db))}${moved ? `; its trained weights moved to ${next}` : ''}\n`);
  });
  return 0;
};

/** Opens the study for a change; one that looks running is left alone unless `force`. */
async function withStudy(db: string, name: string, force: boolean, action: string, fn: (store: Store, study: Study) => Promise<void>): Promise<void> {
  const store = await openStore(db, { mustExist: true });
  try {
    const study = await findStudy(store, name);
    const running = (await store.getTrials(study.id)).filter((t) => t.state === 'running').map((t) => t.number);
    if (!force && (study.state === 'running' || running.length)) {
      throw new UsageError(`study ${shown(study.name)} is running${running.length ? ` (trials ${running.join(', ')})` : ''}; stop its workers before you ${action} it, or pass --force if they were killed`);
    }
    await fn(store, study);
  } finally {
    await store.close();
  }
}

/** A study name as the terminal shows it: control characters escaped, never executed. */
function shown(name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return /[\s"]/.test(name) || clean !== name ? `"${clean}"` : clean;
}
