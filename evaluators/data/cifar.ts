import type { DataFile } from './data-file.js';
import { DatasetTruncatedError } from './errors.js';
import { checkLabels, type SamplePool, unitScale } from './sample-pool.js';

/**
 * CIFAR binary batches (Krizhevsky 2009, https://www.cs.toronto.edu/~kriz/cifar.html): fixed
 * records of label byte(s) then 3,072 pixel bytes — the 1,024 red values of the 32×32 image
 * row-major, then green, then blue. CIFAR-10 has one label byte; CIFAR-100 a coarse (20
 * superclasses) then a fine (100 classes) label byte, and we train on the fine label.
 * The format has no header or magic number: a file's size must be a whole number of records.
 */
export type CifarVariant = 'cifar10' | 'cifar100';

const PIXELS = 32 * 32;
const IMAGE_BYTES = 3 * PIXELS;

export function cifarRecordBytes(variant: CifarVariant): number {
  return (variant === 'cifar10' ? 1 : 2) + IMAGE_BYTES;
}

/**
 * One batch file as a pool. `expectedRecords` (10,000 per official CIFAR-10 batch) turns a
 * short file into a truncation error even when it happens to end on a record boundary.
 */
export function cifarPool(file: DataFile, variant: CifarVariant, expectedRecords?: number): SamplePool {
  const { bytes, path } = file;
  const record = cifarRecordBytes(variant);
  if (expectedRecords !== undefined && bytes.length < expectedRecords * record) {
    throw new DatasetTruncatedError(path, expectedRecords * record, bytes.length);
  }
  if (bytes.length % record !== 0) {
    const whole = Math.floor(bytes.length / record);
    throw new DatasetTruncatedError(
      path,
      (whole + 1) * record,
      bytes.length,
      `expected a whole number of ${record}-byte ${variant === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} records, ` +
        `got ${bytes.length} bytes (${whole} records and ${bytes.length % record} stray bytes)`,
    );
  }
  const count = bytes.length / record;
  const labelOffset = variant === 'cifar10' ? 0 : 1;
  const classes = variant === 'cifar10' ? 10 : 100;
  const raw = new Uint8Array(count);
  for (let i = 0; i < count; i++) raw[i] = bytes[i * record + labelOffset]!;
  if (variant === 'cifar100') {
    // The coarse label is not used for training, but a bad one still means a bad file.
    const coarse = new Uint8Array(count);
    for (let i = 0; i < count; i++) coarse[i] = bytes[i * record]!;
    checkLabels(coarse, 20, `${path} (coarse labels)`);
  }
  const labels = checkLabels(raw, classes, path);
  const skip = record - IMAGE_BYTES;
  return {
    count,
    labels,
    shape: [32, 32, 3],
    write(index, out, offset) {
      // Planar CHW on disk → interleaved HWC in memory, the layout tfjs' conv2d expects.
      const base = index * record + skip;
      for (let p = 0; p < PIXELS; p++) {
        const o = offset + 3 * p;
        out[o] = unitScale[bytes[base + p]!]!;
        out[o + 1] = unitScale[bytes[base + PIXELS + p]!]!;
        out[o + 2] = unitScale[bytes[base + 2 * PIXELS + p]!]!;
      }
    },
  };
}
