import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { DatasetCorruptError, DatasetEmptyError, DatasetTruncatedError } from './errors.js';

/** A data file read into memory: its content (gunzipped if it was gzip) and the sha256 of the bytes on disk. */
export interface DataFile {
  path: string;
  /** Base name, used as the key of `Dataset.checksums` and in error messages. */
  name: string;
  bytes: Uint8Array;
  sha256: string;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const inflate = promisify(gunzip);

/**
 * Reads a whole file, off the event loop (the read and the inflate run on libuv's pool, so a
 * live UI keeps drawing). Compression is detected from the gzip magic bytes, not the file name,
 * so `x.gz` renamed to `x` (or the reverse) still loads. The compressed buffer is dropped
 * as soon as it is inflated: only the content stays alive.
 */
export async function readDataFile(path: string): Promise<DataFile> {
  const name = basename(path);
  const raw = await readFile(path);
  if (raw.length === 0) throw new DatasetEmptyError(path);
  const hash = sha256(raw);
  if (raw.length < 2 || raw[0] !== 0x1f || raw[1] !== 0x8b) return { path, name, bytes: raw, sha256: hash };
  try {
    return { path, name, bytes: await inflate(raw), sha256: hash };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'Z_BUF_ERROR') {
      throw new DatasetTruncatedError(path, undefined, raw.length, `its gzip stream ends early after ${raw.length} bytes`);
    }
    throw new DatasetCorruptError(
      path,
      `dataset file ${path} is not a valid gzip file (${(err as Error).message}). Re-download it or pass --data-dir`,
      { cause: err },
    );
  }
}

/** Reads files one after another, so at most one compressed buffer is alive at a time. */
export async function readDataFiles(paths: readonly string[]): Promise<DataFile[]> {
  const files: DataFile[] = [];
  for (const path of paths) files.push(await readDataFile(path));
  return files;
}
