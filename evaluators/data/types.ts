/**
 * In-memory datasets, independent of tfjs. Pixel/feature values are float32 already
 * normalised; labels are class indices. `shape` is the per-sample shape: [h, w, c] for
 * images, [d] for tabular data.
 */
export interface Split {
  x: Float32Array;
  y: Int32Array;
  count: number;
}

export interface Dataset {
  name: string;
  shape: number[];
  classes: number;
  classNames?: string[];
  train: Split;
  validation: Split;
  test: Split;
  /** sha256 (hex) of every source file, keyed by file name. */
  checksums: { [file: string]: string };
  /** Where it was read from. */
  source: string;
}
