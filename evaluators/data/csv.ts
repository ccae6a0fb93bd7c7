import type { DataFile } from './data-file.js';
import { DatasetConfigError, DatasetEmptyError, DatasetLabelError, DatasetShapeError, DatasetValueError } from './errors.js';
import { parseCsvText, parseNumber, type CsvRecord } from './csv-text.js';
import type { SamplePool } from './sample-pool.js';

/**
 * Tabular data: one sample per row, numeric feature columns and one label column. The label
 * column is `labelColumn` (a header name or a 0-based index), else a column named
 * label/class/target/y, else the last one. Labels are either all class indices (integers
 * ≥ 0; classes = largest + 1) or class names (sorted; `classNames` gives the order).
 * Features are scaled to [0, 1] per column by the training split's min and max (fitted on
 * the training indices only, so validation and test stay unseen; their values may fall
 * slightly outside [0, 1]).
 */
export interface CsvTable {
  file: string;
  /** Header names, or undefined when the first row is data. */
  header?: string[];
  labelColumn: number;
  features: Float32Array;
  featureCount: number;
  rawLabels: string[];
  lines: number[];
}

const LABEL_NAMES = ['label', 'class', 'target', 'y'];

/**
 * The first row is a header when some column is not a number there but is one in the second
 * row (a text label column is text in both, so it does not count). A label named by string
 * forces a header.
 */
function hasHeader(records: CsvRecord[], labelColumn: string | number | undefined): boolean {
  if (typeof labelColumn === 'string') return true;
  const [first, second] = records;
  if (!second) return first!.cells.some((c) => parseNumber(c) === undefined) && records.length > 1;
  return first!.cells.some((c, j) => parseNumber(c) === undefined && second.cells[j] !== undefined && parseNumber(second.cells[j]!) !== undefined);
}

function resolveLabelColumn(file: string, header: string[] | undefined, width: number, labelColumn: string | number | undefined): number {
  if (typeof labelColumn === 'number') {
    if (labelColumn >= width) {
      throw new DatasetConfigError(file, `label column ${labelColumn} is out of range: ${file} has ${width} columns (0–${width - 1}). Fix dataset.labelColumn`);
    }
    return labelColumn;
  }
  if (typeof labelColumn === 'string') {
    const names = header!;
    let j = names.indexOf(labelColumn);
    if (j < 0) j = names.findIndex((h) => h.trim().toLowerCase() === labelColumn.trim().toLowerCase());
    if (j < 0) {
      throw new DatasetConfigError(file, `label column "${labelColumn}" is not in the header of ${file} (columns: ${names.join(', ')}). Fix dataset.labelColumn`);
    }
    return j;
  }
  const named = header?.findIndex((h) => LABEL_NAMES.includes(h.trim().toLowerCase())) ?? -1;
  return named >= 0 ? named : width - 1;
}

export function readCsvTable(data: DataFile, labelColumn: string | number | undefined): CsvTable {
  const file = data.path;
  const records = parseCsvText(Buffer.from(data.bytes.buffer, data.bytes.byteOffset, data.bytes.byteLength).toString('utf8'));
  if (records.length === 0) throw new DatasetEmptyError(file);
  const headerRow = hasHeader(records, labelColumn) ? records.shift()!.cells.map((c) => c.trim()) : undefined;
  if (records.length === 0) throw new DatasetEmptyError(`${file} (a header and no data rows)`);
  const width = headerRow?.length ?? records[0]!.cells.length;
  if (width < 2) throw new DatasetShapeError(file, `dataset file ${file} has ${width} column; it needs a label column and at least one feature column`);
  const label = resolveLabelColumn(file, headerRow, width, labelColumn);
  const featureCount = width - 1;
  const features = new Float32Array(records.length * featureCount);
  const rawLabels: string[] = [];
  const lines: number[] = [];
  records.forEach((r, i) => {
    if (r.cells.length !== width) {
      throw new DatasetShapeError(file, `dataset file ${file} row ${r.line} has ${r.cells.length} cells, expected ${width}. Fix or remove that row`);
    }
    let k = i * featureCount;
    r.cells.forEach((cell, j) => {
      if (j === label) return;
      const v = parseNumber(cell);
      if (v === undefined) {
        const column = headerRow ? `"${headerRow[j]}"` : `${j + 1}`;
        throw new DatasetValueError(
          file,
          r.line,
          column,
          `dataset file ${file} row ${r.line}, column ${column}: "${cell}" is not a number. Fix or remove that row (features must be numeric)`,
        );
      }
      features[k++] = v;
    });
    rawLabels.push(r.cells[label]!.trim());
    lines.push(r.line);
  });
  return { file, ...(headerRow ? { header: headerRow } : {}), labelColumn: label, features, featureCount, rawLabels, lines };
}

export interface CsvClasses {
  classes: number;
  classNames?: string[];
  encode(table: CsvTable): Int32Array;
}

/** Decides, from every table together, whether labels are class indices or class names. */
export function csvClasses(tables: CsvTable[]): CsvClasses {
  const numeric = tables.every((t) => t.rawLabels.every((l) => parseNumber(l) !== undefined));
  if (numeric) {
    let max = 0;
    for (const t of tables) {
      t.rawLabels.forEach((l, i) => {
        const v = parseNumber(l)!;
        if (!Number.isInteger(v) || v < 0) {
          throw new DatasetLabelError(
            t.file,
            i,
            v,
            `dataset file ${t.file} row ${t.lines[i]} has label ${l}, which is not a class index (an integer ≥ 0). ` +
              'Use labels 0…K-1 or class names, or pick another column with dataset.labelColumn',
          );
        }
        max = Math.max(max, v);
      });
    }
    return { classes: max + 1, encode: (t) => Int32Array.from(t.rawLabels, (l) => parseNumber(l)!) };
  }
  const names = [...new Set(tables.flatMap((t) => t.rawLabels))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const index = new Map(names.map((n, i) => [n, i]));
  return { classes: names.length, classNames: names, encode: (t) => Int32Array.from(t.rawLabels, (l) => index.get(l)!) };
}

/** Per-column min–max scaling, fitted once on the training indices and shared by every split. */
class MinMaxScaler {
  private min: Float32Array;
  private scale: Float32Array;
  constructor(readonly width: number) {
    this.min = new Float32Array(width);
    this.scale = new Float32Array(width).fill(1);
  }
  fit(features: Float32Array, indices: readonly number[]): void {
    const lo = new Float64Array(this.width).fill(Infinity);
    const hi = new Float64Array(this.width).fill(-Infinity);
    for (const i of indices) {
      for (let j = 0; j < this.width; j++) {
        const v = features[i * this.width + j]!;
        if (v < lo[j]!) lo[j] = v;
        if (v > hi[j]!) hi[j] = v;
      }
    }
    for (let j = 0; j < this.width; j++) {
      this.min[j] = Number.isFinite(lo[j]!) ? lo[j]! : 0;
      // a constant column maps to 0 instead of dividing by zero
      this.scale[j] = hi[j]! > lo[j]! ? 1 / (hi[j]! - lo[j]!) : 0;
    }
  }
  apply(features: Float32Array, index: number, out: Float32Array, offset: number): void {
    for (let j = 0; j < this.width; j++) out[offset + j] = (features[index * this.width + j]! - this.min[j]!) * this.scale[j]!;
  }
}

/** The training table's pool (which fits the scaler) and, if given, the test table's pool sharing it. */
export function csvPools(train: CsvTable, test: CsvTable | undefined, classes: CsvClasses): { train: SamplePool; test?: SamplePool } {
  if (test && test.featureCount !== train.featureCount) {
    throw new DatasetShapeError(test.file, `dataset file ${test.file} has ${test.featureCount} feature columns but ${train.file} has ${train.featureCount}. Both files need the same columns`);
  }
  const scaler = new MinMaxScaler(train.featureCount);
  const pool = (t: CsvTable): SamplePool => ({
    count: t.rawLabels.length,
    labels: classes.encode(t),
    shape: [t.featureCount],
    write: (index, out, offset) => scaler.apply(t.features, index, out, offset),
  });
  const trainPool: SamplePool = { ...pool(train), prepare: (indices) => scaler.fit(train.features, indices) };
  return test ? { train: trainPool, test: pool(test) } : { train: trainPool };
}
