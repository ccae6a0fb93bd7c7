import type { DataFile } from './data-file.js';
import {
  DatasetCorruptError,
  DatasetCountMismatchError,
  DatasetMagicError,
  DatasetShapeError,
  DatasetTruncatedError,
} from './errors.js';
import { checkLabels, type SamplePool, unitScale } from './sample-pool.js';

/**
 * IDX files (LeCun et al., http://yann.lecun.com/exdb/mnist/): a big-endian magic number
 * `0x0000 <type> <ndims>`, then `ndims` big-endian uint32 sizes, then the row-major data.
 * MNIST, Fashion-MNIST and KMNIST store images as unsigned bytes `[n, 28, 28]` and labels as
 * unsigned bytes `[n]`; only that element type (0x08) is accepted.
 */
export interface IdxArray {
  dims: number[];
  /** A view of the data after the header (no copy). */
  data: Uint8Array;
}

const UBYTE = 0x08;

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

export function parseIdx(file: DataFile, ndims: number, what: string): IdxArray {
  const { bytes, path } = file;
  const header = 4 + 4 * ndims;
  if (bytes.length < 4) throw new DatasetTruncatedError(path, header, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const expected = (UBYTE << 8) | ndims;
  if (magic !== expected) {
    throw new DatasetMagicError(path, hex(magic), `${hex(expected)} (IDX unsigned-byte ${what}, ${ndims} dimension${ndims > 1 ? 's' : ''})`);
  }
  if (bytes.length < header) throw new DatasetTruncatedError(path, header, bytes.length);
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const size = header + dims.reduce((a, b) => a * b, 1);
  if (bytes.length < size) throw new DatasetTruncatedError(path, size, bytes.length);
  if (bytes.length > size) {
    throw new DatasetCorruptError(
      path,
      `dataset file ${path} has ${bytes.length - size} bytes after the ${dims.join('×')} ${what} its header announces. ` +
        'Re-download it or pass --data-dir',
    );
  }
  return { dims, data: bytes.subarray(header, size) };
}

/**
 * An images file `[n, h, w]` and its labels file `[n]` as one pool. `imageSize` is the
 * expected `[h, w]` (a wrong size means the wrong dataset, not a different one); labels must
 * lie in `[0, classes)`.
 */
export function idxPool(images: DataFile, labels: DataFile, classes: number, imageSize?: [number, number]): SamplePool {
  const img = parseIdx(images, 3, 'images');
  const lab = parseIdx(labels, 1, 'labels');
  const [n, h, w] = img.dims as [number, number, number];
  if (imageSize && (h !== imageSize[0] || w !== imageSize[1])) {
    throw new DatasetShapeError(
      images.path,
      `dataset file ${images.path} holds ${h}×${w} images, expected ${imageSize[0]}×${imageSize[1]}. ` +
        'It belongs to another dataset; point --dataset/--data-dir at the right files',
    );
  }
  if (lab.dims[0] !== n) {
    throw new DatasetCountMismatchError(
      labels.path,
      `dataset files disagree: ${images.path} holds ${n} images but ${labels.path} holds ${lab.dims[0]} labels. ` +
        'One of them is from another release; re-download both or pass --data-dir',
    );
  }
  const y = checkLabels(lab.data, classes, labels.path);
  const sampleSize = h * w;
  const pixels = img.data;
  return {
    count: n,
    labels: y,
    shape: [h, w, 1],
    write(index, out, offset) {
      const base = index * sampleSize;
      for (let k = 0; k < sampleSize; k++) out[offset + k] = unitScale[pixels[base + k]!]!;
    },
  };
}
