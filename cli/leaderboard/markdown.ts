/**
 * Markdown text for code-hosting sites (GitHub-flavoured). User strings may hold anything,
 * so every character that starts inline syntax or raw HTML is backslash-escaped
 * (CommonMark allows escaping any ASCII punctuation), `|` so it cannot split a table cell,
 * and line breaks become spaces so a cell stays on its row.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/[\\`*_{}[\]<>()#+!|~&$]/g, (c) => `\\${c}`);
}

/** A GitHub table; cells are escaped here, so pass plain text. */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[], aligns?: readonly ('left' | 'right')[]): string {
  const row = (cells: readonly string[]) => `| ${cells.map((c) => escapeMarkdown(c) || ' ').join(' | ')} |`;
  const rule = `|${headers.map((_, i) => (aligns?.[i] === 'right' ? ' ---: ' : ' --- ')).join('|')}|`;
  return [row(headers), rule, ...rows.map(row)].join('\n');
}

/**
 * A fenced code block that user text cannot close: the fence is longer than the longest
 * run of backticks inside (CommonMark §4.5).
 */
export function markdownCodeBlock(text: string, lang = ''): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text}\n${fence}`;
}
