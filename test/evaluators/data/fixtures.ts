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

/** A CIFAR record: label byte(s), then planes R, G, B; R of pixel p is (i + p) % 256, G is label*20, B is 255 - R. */
export function cifarRecords(labels: Uint8Array, coarse?: Uint8Array): Uint8Array {
  const head = coarse ? 2 : 1;
  const record = head + 3072;
  const out = new Uint8Array(labels.length * record);
  labels.forEach((label, i) => {
    const base = i * record;
    if (coarse) out[base] = coarse[i]!;
    out[base + head - 1] = label;
    for (let p = 0; p < 1024; p++) {
      out[base + head + p] = (i + p) % 256;
      out[base + head + 1024 + p] = label * 2;
      out[base + head + 2048 + p] = 255 - ((i + p) % 256);
    }
  });
  return out;
}

/** CIFAR-10 layout: five training batches of `perBatch` records and a test batch. */
export function writeCifar10(dir: string, perBatch: number, test: number): string[] {
  const paths: string[] = [];
  for (let b = 1; b <= 5; b++) {
    paths.push(join(dir, `data_batch_${b}.bin`));
    writeFileSync(paths.at(-1)!, cifarRecords(labelsFor(perBatch, 10).map((l) => (l + b) % 10)));
  }
  paths.push(join(dir, 'test_batch.bin'));
  writeFileSync(paths.at(-1)!, cifarRecords(labelsFor(test, 10)));
  return paths;
}

export function writeCifar100(dir: string, train: number, test: number): string[] {
  const fine = (n: number) => labelsFor(n, 100);
  const paths = [join(dir, 'train.bin'), join(dir, 'test.bin')];
  writeFileSync(paths[0]!, cifarRecords(fine(train), fine(train).map((l) => l % 20)));
  writeFileSync(paths[1]!, cifarRecords(fine(test), fine(test).map((l) => l % 20)));
  return paths;
}

/** A minimal ustar archive (gzip it for .tar.gz) of `files`; names may include directories. */
export function tarBytes(files: { name: string; data: Uint8Array }[]): Uint8Array {
  const blocks: Buffer[] = [];
  for (const { name, data } of files) {
    const h = Buffer.alloc(512);
    h.write(name, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write('0', 156);
    h.write('ustar\0' + '00', 257);
    const sum = h.reduce((a, b) => a + b, 0);
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, Buffer.from(data), Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A fetch that serves `files` by URL in small chunks and records the URLs asked for. */
export function fakeFetch(files: Record<string, Uint8Array>, chunk = 4096) {
  const calls: string[] = [];
  const fetch = async (url: string) => {
    calls.push(url);
    const data = files[url];
    if (!data) return { ok: false, status: 404, statusText: 'Not Found', headers: { get: () => null }, body: null };
    return {
      ok: true,
      status: 200,
      headers: { get: (h: string) => (h.toLowerCase() === 'content-length' ? String(data.length) : null) },
      body: (async function* () {
        for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
      })(),
    };
  };
  return { fetch, calls };
}
