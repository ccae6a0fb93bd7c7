import { resolve } from 'node:path';
import { describeConstraints, infeasibleReason, parseFilter, type Objective } from '../../search/index.js';
import { LEADERBOARD_FORMATS, formatLeaderboard } from '../leaderboard/index.js';
import { DEFAULT_DB } from '../api.js';
import { openStudy } from '../query.js';
import { intFlag, oneOf, parseFlags, dbFlag } from '../args.js';
import { terminalSafe } from '../format/format-numbers.js';
import type { CommandIo } from '../io.js';

export const LEADERBOARD_HELP = `sparsenas leaderboard — rank the trials of a study

  --study NAME        study (default: the most recent)
  --db PATH|URL       SQLite file or postgres:// URL          [${DEFAULT_DB}]
  --top N             show the N best
  --sort METRIC       a column name or metric key: val_acc|valAccuracy, sparsity,
                      nonzeros|nonZeros, sparse_flops|sparseFlops, time (s), ... [the study's objective]
  --where EXPR        filter, e.g. "sparsity>=0.9" or "val_acc>0.8,nonzeros<100000"
  --pareto            only non-dominated trials on the study's objectives when it has two or more
                      (e.g. valAccuracy and latencyMsB1), else on (valAccuracy, sparseFlops)
  --format F          table | json | csv | md                 [table]
  --all               also list pruned, failed and interrupted trials
`;

export async function leaderboardCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values: v } = parseFlags('leaderboard', argv, {
    study: { type: 'string' }, db: { type: 'string' }, top: { type: 'string' }, sort: { type: 'string' },
    where: { type: 'string' }, pareto: { type: 'boolean' }, format: { type: 'string' }, all: { type: 'boolean' },
  });
  if (v['help']) { io.stdout.write(LEADERBOARD_HELP); return 0; }
  const format = oneOf('format', v['format'], LEADERBOARD_FORMATS) ?? 'table';
  const top = intFlag('top', v['top'], 1);
  // Parse the filter before opening anything, so a typo costs nothing.
  const where = typeof v['where'] === 'string' ? parseFilter(v['where']) : undefined;
  const view = await openStudy(v['study'] as string | undefined, { db: dbFlag(io.cwd, v['db'], DEFAULT_DB) });
  try {
    const trials = await view.trials();
    if (format === 'table') {
      const limits = describeConstraints(view.study.definition.constraints);
      const infeasible = trials.filter((t) => infeasibleReason(t)).length;
      io.stdout.write(`study ${terminalSafe(view.study.name)} (${trials.length} trials)${limits ? `; constraints: ${limits} (${infeasible} infeasible, not ranked${infeasible ? '; --all lists them' : ''})` : ''}\n`);
    }
    const text = formatLeaderboard(trials, {
      format, top, where, sort: v['sort'] as string | undefined, pareto: !!v['pareto'] && paretoObjectives(view.study.definition.objectives), all: !!v['all'], objectives: view.study.definition.objectives,
    });
    io.stdout.write(text.endsWith('\n') ? text : text + '\n');
  } finally {
    await view.close();
  }
  return 0;
}

/**
 * `--pareto`: non-dominated on the study's objectives when it has two or more (e.g. maximise
 * valAccuracy, minimise latencyMsB1), else on validation accuracy against sparse FLOPs.
 */
export function paretoObjectives(objectives: readonly Objective[]): true | readonly Objective[] {
  return objectives.length >= 2 ? objectives : true;
}
