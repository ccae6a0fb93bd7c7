import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DatasetChecksumError, DatasetError } from './errors.js';
import type { KnownDataset, RemoteFile } from './known-datasets.js';
import { CIFAR100_FILES, CIFAR10_FILES } from './layouts.js';
import { extractTarGz } from './tar.js';

/** The slice of WHATWG `fetch` used here; tests inject a fake, production uses `globalThis.fetch`. */
export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal },
) => Promise<{
  ok: boolean;
  status: number;
  statusText?: string;
  headers: { get(name: string): string | null };
  body: AsyncIterable<Uint8Array> | null;
}>;

export interface DownloadProgress {
  dataset: string;
  file: string;
  url: string;
  receivedBytes: number;
  totalBytes?: number;
}

export interface DownloadOptions {
  fetch?: FetchLike;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

/** How long name resolution may take before we call the machine offline. */
const DNS_TIMEOUT_MS = 700;

/**
 * Fails within DNS_TIMEOUT_MS when the host cannot be resolved. Without this a download on
 * an offline machine can hang for the OS's connect timeout (minutes); with it, "not found"
 * comes back in well under a second. Uses the system resolver (getaddrinfo, so /etc/hosts
 * and nsswitch count), raced against a timer because getaddrinfo cannot be cancelled.
 */
export async function assertResolvable(url: string): Promise<void> {
  const host = new URL(url).hostname;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: `no answer in ${DNS_TIMEOUT_MS} ms` })), DNS_TIMEOUT_MS);
    timer.unref();
  });
  try {
    await Promise.race([lookup(host), timeout]);
  } catch (err) {
    throw new Error(`cannot resolve ${host} (${(err as { code?: string }).code ?? (err as Error).message}); the machine looks offline`, {
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Downloads one file to `dest` through a `.part` file, hashing as it streams, and only
 * renames it into place when size and sha256 match the catalogue.
 */
export async function downloadVerified(dataset: string, remote: RemoteFile, dest: string, options: DownloadOptions): Promise<void> {
  const doFetch = options.fetch ?? (globalThis.fetch as unknown as FetchLike);
  const file = basename(dest);
  const response = await doFetch(remote.url, options.signal ? { signal: options.signal } : {});
  if (!response.ok || !response.body) throw new Error(`GET ${remote.url} answered ${response.status} ${response.statusText ?? ''}`.trim());
  const totalHeader = Number(response.headers.get('content-length'));
  const totalBytes = Number.isFinite(totalHeader) && totalHeader > 0 ? totalHeader : remote.bytes;
  const part = `${dest}.${process.pid}.part`;
  const hash = createHash('sha256');
  const handle = await open(part, 'w');
  let receivedBytes = 0;
  try {
    for await (const chunk of response.body) {
      hash.update(chunk);
      await handle.write(chunk);
      receivedBytes += chunk.length;
      options.onProgress?.({ dataset, file, url: remote.url, receivedBytes, totalBytes });
    }
  } catch (err) {
    await handle.close();
    await rm(part, { force: true });
    throw err;
  }
  await handle.close();
  const actual = hash.digest('hex');
  if (actual !== remote.sha256) {
    await rm(part, { force: true });
    throw new DatasetChecksumError(dest, remote.sha256, actual, remote.url);
  }
  await rename(part, dest);
}

async function hasSha256(path: string, expected: string): Promise<boolean> {
  try {
    return createHash('sha256').update(await readFile(path)).digest('hex') === expected;
  } catch {
    return false;
  }
}

/**
 * Fetches a known dataset into `dir` (the cache): IDX files as published, CIFAR archives
 * downloaded, verified, unpacked to the batch files and deleted.
 */
export async function downloadDataset(known: KnownDataset, dir: string, options: DownloadOptions): Promise<void> {
  if (!options.fetch) await assertResolvable(known.downloads[0]!.url);
  await mkdir(dir, { recursive: true });
  for (const remote of known.downloads) {
    const dest = join(dir, basename(new URL(remote.url).pathname));
    // an interrupted earlier run may have left some files complete: keep those that verify
    if (await hasSha256(dest, remote.sha256)) continue;
    await downloadVerified(known.name, remote, dest, options);
    if (known.format === 'idx') continue;
    const wanted = known.format === 'cifar10' ? [...CIFAR10_FILES, 'batches.meta.txt'] : [...CIFAR100_FILES, 'fine_label_names.txt'];
    const written = await extractTarGz(dest, dir, new Set(wanted));
    await rm(dest, { force: true });
    const absent = wanted.filter((w) => w.endsWith('.bin') && !written.some((p) => basename(p) === w));
    if (absent.length > 0) {
      throw new DatasetError('DATASET_CORRUPT', dest, `archive ${remote.url} lacks ${absent.join(', ')}; it is not the official release. Report this, or fetch the files yourself and pass --data-dir`);
    }
  }
}
