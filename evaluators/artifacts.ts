import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Architecture } from '../search/index.js';
import { ArtifactError } from './errors.js';
import type { NamedTensor } from './network/types.js';

/** `weights.json`: what `weights.bin` holds (float32, little-endian, back to back). */
export interface WeightsManifest {
  format: 'sparsenas-weights/1';
  inputShape: number[];
  classes: number;
  dataset?: string;
  weights: { name: string; shape: number[]; dtype: 'float32'; offset: number; length: number }[];
}

export interface TrialArtifacts {
  architecture: Architecture;
  manifest: WeightsManifest;
  /** Values by weight name (masks already applied). */
  weights: Map<string, { shape: number[]; values: Float32Array }>;
}

/**
 * Write a trained network's weights to `dir` atomically: everything goes to a sibling temp
 * directory first, which is renamed over `dir`, so a reader never sees half a trial.
 */
export async function writeTrialArtifacts(dir: string, architecture: Architecture, weights: readonly NamedTensor[],
  meta: { inputShape: number[]; classes: number; dataset?: string }): Promise<void> {
  const manifest: WeightsManifest = { format: 'sparsenas-weights/1', ...meta, weights: [] };
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const w of weights) {
    const values = (await w.tensor.data()) as Float32Array;
    manifest.weights.push({ name: w.name, shape: w.tensor.shape, dtype: 'float32', offset, length: values.length });
    chunks.push(values);
    offset += values.length * 4;
  }
  const bin = Buffer.alloc(offset);
  let at = 0;
  for (const c of chunks) {
    Buffer.from(c.buffer, c.byteOffset, c.byteLength).copy(bin, at);
    at += c.byteLength;
  }
  await mkdir(dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    await mkdir(tmp);
    await writeFile(join(tmp, 'weights.bin'), bin);
    await writeFile(join(tmp, 'weights.json'), JSON.stringify(manifest, null, 2));
    await writeFile(join(tmp, 'architecture.json'), JSON.stringify(architecture, null, 2));
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw new ArtifactError(dir, `could not write trial weights to ${dir}: ${(err as Error).message}; check the directory is writable`, { cause: err });
  }
}

/** Read what `writeTrialArtifacts` wrote, checking sizes. */
export async function readTrialArtifacts(dir: string): Promise<TrialArtifacts> {
  const read = async (file: string): Promise<Buffer> => {
    try {
      return await readFile(join(dir, file));
    } catch (err) {
      throw new ArtifactError(join(dir, file), `cannot read ${join(dir, file)}: ${(err as Error).message}; pass the directory of a trial that saved its weights (search with an artifacts directory)`, { cause: err });
    }
  };
  const manifest = JSON.parse((await read('weights.json')).toString('utf8')) as WeightsManifest;
  const architecture = JSON.parse((await read('architecture.json')).toString('utf8')) as Architecture;
  const bin = await read('weights.bin');
  if (manifest.format !== 'sparsenas-weights/1') {
    throw new ArtifactError(join(dir, 'weights.json'), `${join(dir, 'weights.json')} has format ${String(manifest.format)}, expected sparsenas-weights/1`);
  }
  const weights = new Map<string, { shape: number[]; values: Float32Array }>();
  for (const w of manifest.weights) {
    const end = w.offset + w.length * 4;
    if (end > bin.length) {
      throw new ArtifactError(join(dir, 'weights.bin'), `${join(dir, 'weights.bin')} is truncated: weight ${w.name} needs bytes up to ${end}, the file has ${bin.length}; re-run the trial`);
    }
    const values = new Float32Array(w.length);
    Buffer.from(values.buffer).set(bin.subarray(w.offset, end));
    weights.set(w.name, { shape: w.shape, values });
  }
  return { architecture, manifest, weights };
}
