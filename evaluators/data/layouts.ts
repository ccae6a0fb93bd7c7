import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * How each on-disk format lays out its files in a directory. A layout either finds every
 * file it needs (in a fixed role order) or reports which are missing, so "not found"
 * messages can say exactly what to put where.
 */
export type LayoutFormat = 'idx' | 'cifar10' | 'cifar100' | 'csv';

export interface LayoutMatch {
  format: LayoutFormat;
  /** The directory that holds the files (may be a subdirectory of the one searched). */
  dir: string;
  /** Paths in role order: idx [train images, train labels, test images, test labels]; cifar10 [batch 1–5, test]; cifar100 [train, test]; csv [train, test?]. */
  files: string[];
}

export interface LayoutMiss {
  format: LayoutFormat;
  missing: string[];
}

export const IDX_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
export const CIFAR10_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];
export const CIFAR100_FILES = ['train.bin', 'test.bin'];
/** Subdirectories the official CIFAR archives extract to. */
const CIFAR_SUBDIRS = { cifar10: 'cifar-10-batches-bin', cifar100: 'cifar-100-binary' } as const;

const isFile = (p: string): boolean => existsSync(p) && statSync(p).isFile();

/** The first existing variant of each file, or the list of missing names (as the user should provide them). */
function findAll(dir: string, names: string[], variants: (name: string) => string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const hit = variants(name).map((v) => join(dir, v)).find(isFile);
    if (hit) files.push(hit);
    else missing.push(variants(name)[0]!);
  }
  return { files, missing };
}

export function matchLayout(dir: string, format: LayoutFormat): LayoutMatch | LayoutMiss {
  if (format === 'idx') {
    // gzip as published, or already decompressed
    const r = findAll(dir, IDX_FILES, (n) => [`${n}.gz`, n]);
    return r.missing.length === 0 ? { format, dir, files: r.files } : { format, missing: r.missing };
  }
  if (format === 'csv') {
    const r = findAll(dir, ['train.csv'], (n) => [n, `${n}.gz`]);
    if (r.missing.length > 0) return { format, missing: r.missing };
    const test = findAll(dir, ['test.csv'], (n) => [n, `${n}.gz`]);
    return { format, dir, files: [...r.files, ...test.files] };
  }
  const names = format === 'cifar10' ? CIFAR10_FILES : CIFAR100_FILES;
  const sub = join(dir, CIFAR_SUBDIRS[format]);
  const nested = findAll(sub, names, (n) => [n]);
  if (nested.missing.length === 0) return { format, dir: sub, files: nested.files };
  const flat = findAll(dir, names, (n) => [n]);
  return flat.missing.length === 0 ? { format, dir, files: flat.files } : { format, missing: flat.missing };
}

export function isMatch(m: LayoutMatch | LayoutMiss): m is LayoutMatch {
  return 'files' in m;
}

/** Which format a directory given as `--dataset <path>` holds. */
export function detectLayout(dir: string): LayoutMatch | undefined {
  for (const format of ['idx', 'cifar10', 'cifar100', 'csv'] as const) {
    const m = matchLayout(dir, format);
    if (isMatch(m)) return m;
  }
  return undefined;
}
