// Tiny generated data files for the dataset tests. Each image encodes its label in pixel 1
// (label * 20) and its index in pixel 0 (index % 256), so tests can check that images and
// labels stay paired through splitting and shuffling.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sparsenas-data-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function idxBytes(dims: number[], data: Uint8Array): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE((0x08 << 8) | dims.length, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

export function labelsFor(n: number, classes: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 3)) % classes);
}

/** Pixels of `n` images of `size` bytes whose pixel 0 is the index and pixel 1 encodes the label. */
export function imagesFor(labels: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(labels.length * size);
  labels.forEach((label, i) => {
    for (let k = 0; k < size; k++) out[i * size + k] = (i * 31 + k * 3) % 256;
    out[i * size] = i % 256;
    out[i * size + 1] = label * 20;
  });
  return out;
}

export interface IdxFixture {
  train: number;
  test: number;
  classes?: number;
  h?: number;
  w?: number;
  gzip?: boolean;
}

/** Writes the four MNIST-layout files into `dir`; returns their paths by role. */
export function writeIdxDataset(dir: string, f: IdxFixture): Record<'trainImages' | 'trainLabels' | 'testImages' | 'testLabels', string> {
  const { classes = 10, h = 28, w = 28, gzip = true } = f;
  const ext = gzip ? '.gz' : '';
  const enc = (b: Uint8Array): Uint8Array => (gzip ? gzipSync(b) : b);
  const paths = {
    trainImages: join(dir, `train-images-idx3-ubyte${ext}`),
    trainLabels: join(dir, `train-labels-idx1-ubyte${ext}`),
    testImages: join(dir, `t10k-images-idx3-ubyte${ext}`),
    testLabels: join(dir, `t10k-labels-idx1-ubyte${ext}`),
  };
  for (const [split, n, images, labels] of [
    ['train', f.train, paths.trainImages, paths.trainLabels],
    ['test', f.test, paths.testImages, paths.testLabels],
  ] as const) {
    const y = labelsFor(n, classes);
    if (split === 'test') y.reverse();
    writeFileSync(images, enc(idxBytes([n, h, w], imagesFor(y, h * w))));
    writeFileSync(labels, enc(idxBytes([n], y)));
  }
  return paths;
}

/** Checks that every sample's pixel 1 still encodes its label. */
export function pairedWithLabels(split: { x: Float32Array; y: Int32Array; count: number }, sampleSize: number): boolean {
  for (let i = 0; i < split.count; i++) {
    if (Math.round(split.x[i * sampleSize + 1]! * 255) !== split.y[i]! * 20) return false;
  }
  return true;
}

export function classCounts(y: Int32Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of y) counts[label]!++;
  return counts;
}
