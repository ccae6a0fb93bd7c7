import { isAbsolute, relative, resolve } from 'node:path';
import { DEFAULT_DB } from '../api.js';
import { openExistingStore } from '../query.js';
import { parseFlags, dbFlag } from '../args.js';
import { createContainer, listFactories } from '../container.js';
import { UsageError } from '../errors.js';
import { terminalSafe } from '../format/format-numbers.js';
import type { CommandIo } from '../io.js';
import { describeSpace, describeStrategy, findNamed } from './list-describe.js';

export const LIST_HELP = `sparsenas list strategies|spaces|evaluators|datasets|backends|studies — what is available

  sparsenas list spaces NAME       every dimension and option of a space (type, default, meaning)
  sparsenas list strategies NAME   every option of a strategy

  --plugin FILE   also load a plugin (repeatable)
  --db PATH|URL   database, for "studies"     [${DEFAULT_DB}]
  --data-dir DIR  also look here, for "datasets"
  --allow-software-gpu  for "backends": count a software WebGPU adapter (Mesa llvmpipe)
`;

/** Left-aligned columns, header row first (the `list` outputs). */
export const table = (rawRows: string[][]) => {
  const rows = rawRows.map((r) => r.map(terminalSafe));
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()).join('\n') + '\n';
};

export type ListExtra = (io: CommandIo, flags: Record<string, unknown>) => Promise<string>;

export async function listCommand(argv: string[], io: CommandIo, extra: Record<string, ListExtra> = {}): Promise<number> {
  const { values: v, positionals } = parseFlags('list', argv, { plugin: { type: 'string', multiple: true }, db: { type: 'string' }, 'data-dir': { type: 'string' }, 'allow-software-gpu': { type: 'boolean' } }, 2);
  const what = positionals[0];
  const name = positionals[1];
  if (name !== undefined && what !== 'spaces' && what !== 'strategies') {
    throw new UsageError(`sparsenas list: unexpected argument "${name}"; only "list spaces NAME" and "list strategies NAME" take a name`);
  }
  if (v['help']) { io.stdout.write(LIST_HELP); return 0; }
  if (!what) { io.stderr.write(LIST_HELP); return 2; }
  const container = await createContainer(((v['plugin'] as string[] | undefined) ?? []).map((p) => resolve(io.cwd, p)));
  const f = listFactories(container);
  const named = (items: { name: string; description: string; source?: string }[]) =>
    table([['name', 'source', 'description'], ...items.map((x) => [x.name, shortPath(io.cwd, x.source ?? 'built-in'), x.description])]);
  switch (what) {
    case 'strategies': io.stdout.write(name === undefined ? named(f.strategies) : describeStrategy(findNamed(f.strategies, name, 'strategies'))); return 0;
    case 'spaces': io.stdout.write(name === undefined ? named(f.spaces) : describeSpace(findNamed(f.spaces, name, 'spaces'))); return 0;
    case 'evaluators': io.stdout.write(named(f.evaluators)); return 0;
    case 'studies': {
      const store = await openExistingStore(dbFlag(io.cwd, v['db'], DEFAULT_DB));
      try {
        const rows = [];
        for (const s of await store.listStudies()) {
          const trials = await store.getTrials(s.id);
          rows.push([s.name, s.state, String(trials.length), s.definition.strategy.name, s.definition.space.name, new Date(s.createdAt).toISOString()]);
        }
        io.stdout.write(rows.length ? table([['study', 'state', 'trials', 'strategy', 'space', 'created'], ...rows]) : 'no studies\n');
      } finally {
        await store.close();
      }
      return 0;
    }
    default:
      if (extra[what]) { io.stdout.write(await extra[what](io, v)); return 0; }
      throw new UsageError(`sparsenas list: unknown list "${what}"; choose strategies, spaces, evaluators, studies${Object.keys(extra).map((k) => ', ' + k).join('')}`);
  }
}

/** A plugin file under the working directory is shown relative to it, as the user typed it. */
function shortPath(cwd: string, source: string): string {
  if (!isAbsolute(source)) return source;
  const rel = relative(cwd, source);
  return rel.startsWith('..') || isAbsolute(rel) ? source : rel;
}
