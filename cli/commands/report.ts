import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { SparsenasError } from '../../search/index.js';
import { DEFAULT_DB } from '../api.js';
import { openStudy } from '../query.js';
import { oneOf, parseFlags, dbFlag } from '../args.js';
import { loadReportData, renderHtmlReport, renderMarkdownReport } from '../report/index.js';
import type { CommandIo } from '../io.js';

export const REPORT_HELP = `sparsenas report — a self-contained report of a study

  --study NAME     study (default: the most recent)
  --db PATH|URL    SQLite file or postgres:// URL                [${DEFAULT_DB}]
  --format F       html (charts, opens offline) | md (renders on code-hosting sites)   [html]
  --out FILE       where to write it; missing folders are created [<study>.html | <study>.md]
`;

export async function reportCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values: v } = parseFlags('report', argv, { study: { type: 'string' }, db: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } });
  if (v['help']) { io.stdout.write(REPORT_HELP); return 0; }
  const format = oneOf('format', v['format'], ['html', 'md'] as const) ?? 'html';
  const view = await openStudy(v['study'] as string | undefined, { db: dbFlag(io.cwd, v['db'], DEFAULT_DB) });
  try {
    const study = view.study;
    const data = await loadReportData(view.store, study.name);
    const text = format === 'html' ? renderHtmlReport(data) : renderMarkdownReport(data);
    const out = resolve(io.cwd, (v['out'] as string | undefined) ?? `${study.name.replace(/[^\w.-]+/g, '_')}.${format}`);
    writeReport(out, text);
    io.stdout.write(`report of study ${study.name} (${data.trials.length} trials) written to ${out}\n`);
  } finally {
    await view.close();
  }
  return 0;
}

/**
 * Writes beside the target and renames, so a crash never leaves half a report. Missing folders
 * of the path are created (as `mkdir -p` would); a path that still cannot be written is an error
 * naming the file and the reason, not a stack trace.
 */
function writeReport(out: string, text: string): void {
  try {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out + '.tmp', text);
    renameSync(out + '.tmp', out);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied'
      : e.code === 'ENOTDIR' || e.code === 'EEXIST' ? 'a part of the path is a file, not a folder'
        : e.code === 'EISDIR' ? 'it is a folder; give a file name' : (e.message ?? String(err));
    throw new SparsenasError('REPORT_WRITE_FAILED', `cannot write the report to ${out}: ${why}; choose another --out`);
  }
}
