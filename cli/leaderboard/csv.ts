/**
 * RFC 4180 CSV: CRLF line ends; a field containing a comma, a double quote, CR or LF is
 * wrapped in double quotes with inner quotes doubled. Text cells that a spreadsheet would
 * run as a formula (leading = + - @ tab CR) get a leading apostrophe (OWASP "CSV injection");
 * numbers are written as they are.
 */
export function toCsv(headers: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  return [headers, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

export function csvField(value: string | number | undefined): string {
  if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
