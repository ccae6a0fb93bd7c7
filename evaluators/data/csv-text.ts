/**
 * A small RFC 4180 reader: quoted cells may hold the delimiter, doubled quotes and
 * newlines; CRLF and a UTF-8 BOM are accepted; blank lines are skipped. Each record keeps
 * the 1-based line it starts on, so errors can point into the file as an editor shows it.
 */
export interface CsvRecord {
  line: number;
  cells: string[];
}

/** Comma unless the first line has none and has tabs or semicolons instead. */
export function sniffDelimiter(text: string): string {
  const end = text.indexOf('\n');
  const first = end < 0 ? text : text.slice(0, end);
  if (first.includes(',')) return ',';
  if (first.includes('\t')) return '\t';
  if (first.includes(';')) return ';';
  return ',';
}

export function parseCsvText(input: string, delimiter = sniffDelimiter(input)): CsvRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const records: CsvRecord[] = [];
  const n = text.length;
  let cells: string[] = [];
  let line = 1;
  let start = 1;
  let i = 0;
  const endRecord = (): void => {
    if (!(cells.length === 1 && cells[0]!.trim() === '')) records.push({ line: start, cells });
    cells = [];
  };
  while (i <= n) {
    if (text[i] === '"') {
      // quoted cell: read to the closing quote, un-doubling "" on the way
      let value = '';
      let from = ++i;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          value += text.slice(from);
          i = n;
          break;
        }
        for (let k = i; k < q; k++) if (text.charCodeAt(k) === 10) line++;
        if (text[q + 1] === '"') {
          value += text.slice(from, q + 1);
          i = from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      // anything between the closing quote and the delimiter is kept, as spreadsheets do
      let j = i;
      while (j < n && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r') j++;
      cells.push(value + text.slice(i, j));
      i = j;
    } else {
      let j = i;
      while (j < n && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r') j++;
      cells.push(text.slice(i, j));
      i = j;
    }
    if (i >= n) {
      endRecord();
      break;
    }
    if (text[i] === delimiter) {
      i++;
      if (i === n) {
        cells.push('');
        endRecord();
        break;
      }
      continue;
    }
    // end of line: \n, \r\n or a lone \r
    if (text[i] === '\r' && text[i + 1] === '\n') i++;
    i++;
    endRecord();
    line++;
    start = line;
    if (i === n) break;
  }
  return records;
}

/** A cell that reads as a finite number (surrounding spaces allowed, empty not). */
export function parseNumber(cell: string): number | undefined {
  const s = cell.trim();
  if (s === '') return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}
