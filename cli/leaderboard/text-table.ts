import { terminalSafe } from '../format/format-numbers.js';

/**
 * Aligned plain-text table: columns padded to their widest cell, numbers right-aligned,
 * the last column left ragged so long architecture strings don't pad every row.
 */
export function textTable(headers: readonly string[], rawRows: readonly (readonly string[])[], aligns: readonly ('left' | 'right')[]): string {
  const rows = rawRows.map((r) => r.map(terminalSafe));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => {
      if (i === cells.length - 1 && aligns[i] !== 'right') return c;
      return aligns[i] === 'right' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!);
    }).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}
