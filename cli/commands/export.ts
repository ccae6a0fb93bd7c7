import { resolve } from 'node:path';
import { DEFAULT_DB } from '../api.js';
import { intFlag, parseFlags, dbFlag } from '../args.js';
import { UsageError } from '../errors.js';
import { exportModel } from '../export-model.js';
import type { CommandIo } from '../io.js';

export const EXPORT_HELP = `sparsenas export — write a trained model in tfjs Layers format

  --study NAME    study (default: the most recent)
  --trial N       trial number (default: the best by the study's objective)
  --db PATH|URL   SQLite file or postgres:// URL              [${DEFAULT_DB}]
  --artifacts DIR the --artifacts directory the search used (DIR/<study>/trial-N)
  --out DIR       output directory (required): model.json + weights.bin (masks applied,
                  load with tf.loadLayersModel) and trial.json (architecture, sparsity, metrics)
`;

export async function exportCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values: v } = parseFlags('export', argv, { study: { type: 'string' }, trial: { type: 'string' }, db: { type: 'string' }, out: { type: 'string' }, artifacts: { type: 'string' } });
  if (v['help']) { io.stdout.write(EXPORT_HELP); return 0; }
  if (typeof v['out'] !== 'string') throw new UsageError('sparsenas export: --out DIR is required (where model.json, weights.bin and trial.json go)');
  const trial = intFlag('trial', v['trial']);
  const result = await exportModel({
    db: dbFlag(io.cwd, v['db'], DEFAULT_DB), study: v['study'] as string | undefined, trial, out: resolve(io.cwd, v['out']),
    artifacts: typeof v['artifacts'] === 'string' ? resolve(io.cwd, v['artifacts']) : undefined,
  });
  const { card } = result;
  const test = card.metrics.testAccuracy !== undefined ? `  test_acc ${card.metrics.testAccuracy.toFixed(4)}` : '';
  io.stdout.write(`exported trial ${card.trial} of study ${card.study} to ${v['out']}: ${card.summary}  val_acc ${card.metrics.valAccuracy.toFixed(4)}${test}  sparsity ${card.sparsity.measured.toFixed(3)}\n`
    + `  files: ${result.files.join(', ')}\n`);
  return 0;
}
