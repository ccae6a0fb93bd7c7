import { SparsenasError } from '../../search/errors.js';

/**
 * Every defect in a data file has its own class and stable `code`, and its message names the
 * file, the defect and the fix, so a bad download is never turned into a silently wrong
 * dataset. `file` is the path (or dataset name) the error is about.
 */
export class DatasetError extends SparsenasError {
  constructor(code: string, readonly file: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'DatasetError';
  }
}

const REFETCH = 'Re-download it or pass --data-dir';

/** The dataset is nowhere to be found (and could not be downloaded). `searched` lists every place tried. */
export class DatasetNotFoundError extends DatasetError {
  constructor(name: string, readonly searched: string[], message: string, options?: { cause?: unknown }) {
    super('DATASET_NOT_FOUND', name, message, options);
    this.name = 'DatasetNotFoundError';
  }
}

export class DatasetEmptyError extends DatasetError {
  constructor(file: string) {
    super('DATASET_EMPTY', file, `dataset file ${file} is empty (0 bytes). ${REFETCH}`);
    this.name = 'DatasetEmptyError';
  }
}

export class DatasetTruncatedError extends DatasetError {
  constructor(file: string, readonly expected: number | undefined, readonly actual: number, detail?: string) {
    const what = detail ?? `expected ${expected} bytes, got ${actual}`;
    super('DATASET_TRUNCATED', file, `dataset file ${file} is truncated: ${what}. ${REFETCH}`);
    this.name = 'DatasetTruncatedError';
  }
}

/** Wrong magic number: the file is not of the format (or element type) expected. */
export class DatasetMagicError extends DatasetError {
  constructor(file: string, readonly found: string, readonly expected: string) {
    super(
      'DATASET_BAD_MAGIC',
      file,
      `dataset file ${file} has magic number ${found}, expected ${expected}. ` +
        `It is not the file it is named after (or is damaged); ${REFETCH.toLowerCase()}`,
    );
    this.name = 'DatasetMagicError';
  }
}

/** Images and labels (or train and test parts) disagree in number. */
export class DatasetCountMismatchError extends DatasetError {
  constructor(file: string, message: string) {
    super('DATASET_COUNT_MISMATCH', file, message);
    this.name = 'DatasetCountMismatchError';
  }
}

/** Samples of the wrong size: wrong image dimensions, a CSV row with the wrong number of cells. */
export class DatasetShapeError extends DatasetError {
  constructor(file: string, message: string) {
    super('DATASET_BAD_SHAPE', file, message);
    this.name = 'DatasetShapeError';
  }
}

/** A cell that is not a finite number. `row` and `column` are 1-based, as a spreadsheet shows them. */
export class DatasetValueError extends DatasetError {
  constructor(file: string, readonly row: number, readonly column: string, message: string) {
    super('DATASET_BAD_VALUE', file, message);
    this.name = 'DatasetValueError';
  }
}

export class DatasetLabelError extends DatasetError {
  constructor(file: string, readonly index: number, readonly label: number | string, message: string) {
    super('DATASET_LABEL_OUT_OF_RANGE', file, message);
    this.name = 'DatasetLabelError';
  }
}

/** Damaged in a way none of the above describes: bad gzip stream, trailing bytes, unknown format. */
export class DatasetCorruptError extends DatasetError {
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super('DATASET_CORRUPT', file, message, options);
    this.name = 'DatasetCorruptError';
  }
}

export class DatasetChecksumError extends DatasetError {
  constructor(file: string, readonly expected: string, readonly actual: string, url: string) {
    super(
      'DATASET_CHECKSUM_MISMATCH',
      file,
      `downloaded file ${file} from ${url} has sha256 ${actual}, expected ${expected}; it was deleted. ` +
        `Retry the download, or fetch the file yourself and pass --data-dir`,
    );
    this.name = 'DatasetChecksumError';
  }
}

/** A path or config that cannot describe a dataset (unknown format, label column missing, too few samples). */
export class DatasetConfigError extends DatasetError {
  constructor(file: string, message: string) {
    super('DATASET_INVALID', file, message);
    this.name = 'DatasetConfigError';
  }
}
