import { createReadStream } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { DatasetCorruptError, DatasetTruncatedError } from './errors.js';

/**
 * Streams the wanted members out of a .tar.gz (POSIX ustar / GNU tar, 512-byte blocks)
 * without holding the archive in memory. Members are written flat into `destDir` under
 * their base name — only names in `wanted`, so an archive cannot write outside `destDir`.
 * Returns the paths written.
 */
export async function extractTarGz(archive: string, destDir: string, wanted: ReadonlySet<string>): Promise<string[]> {
  const written: string[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let remaining = 0; // bytes of the current member's data still to come
  let padding = 0; // bytes of zero padding after it
  let out: FileHandle | undefined;
  let outName = '';
  let longName: string | undefined;
  let ended = false;
  // per-process part files: two workers unpacking the same archive must not write one file
  const partOf = (name: string): string => `${join(destDir, name)}.${process.pid}.part`;
  const finishMember = async (): Promise<void> => {
    await out!.close();
    out = undefined;
    await rename(partOf(outName), join(destDir, outName));
    written.push(join(destDir, outName));
  };
  const inflated = createGunzip();
  // pipe() does not forward read errors; without this a missing archive would hang the loop
  createReadStream(archive)
    .on('error', (err) => inflated.destroy(err))
    .pipe(inflated);
  try {
    for await (const chunk of inflated as AsyncIterable<Buffer>) {
      pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      let pos = 0;
      while (!ended) {
        if (remaining > 0) {
          const take = Math.min(remaining, pending.length - pos);
          if (take === 0) break;
          if (out) await out.write(pending.subarray(pos, pos + take));
          pos += take;
          remaining -= take;
          if (remaining === 0 && out) await finishMember();
          continue;
        }
        if (padding > 0) {
          const skip = Math.min(padding, pending.length - pos);
          if (skip === 0) break;
          pos += skip;
          padding -= skip;
          continue;
        }
        if (pending.length - pos < 512) break;
        const header = pending.subarray(pos, pos + 512);
        pos += 512;
        if (header.every((b) => b === 0)) {
          ended = true;
          break;
        }
        const size = parseInt(field(header, 124, 12) || '0', 8);
        const type = String.fromCharCode(header[156]!);
        const prefix = header.subarray(257, 262).toString('latin1') === 'ustar' ? field(header, 345, 155) : '';
        const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
        longName = undefined;
        remaining = size;
        padding = (512 - (size % 512)) % 512;
        if (type === 'L') {
          // GNU long name: the data block is the next member's name
          if (pending.length - pos < size) {
            pos -= 512;
            remaining = padding = 0;
            break;
          }
          longName = field(pending.subarray(pos, pos + size), 0, size);
          pos += size;
          remaining = 0;
        } else if ((type === '0' || type === '\0') && wanted.has(basename(name))) {
          outName = basename(name);
          out = await open(partOf(outName), 'w');
          if (size === 0) await finishMember();
        }
      }
      pending = pending.subarray(pos);
    }
  } catch (err) {
    if ((err as { code?: string }).code === 'Z_BUF_ERROR') throw new DatasetTruncatedError(archive, undefined, 0, 'its gzip stream ends early');
    if (err instanceof Error && 'errno' in err && (err as { code?: string }).code?.startsWith('Z_')) {
      throw new DatasetCorruptError(archive, `archive ${archive} is not a valid .tar.gz (${err.message}). Delete it and retry`, { cause: err });
    }
    throw err;
  } finally {
    // a member cut short must not be mistaken for a complete file later
    if (out) {
      await out.close();
      await rm(partOf(outName), { force: true });
    }
  }
  if (remaining > 0) throw new DatasetTruncatedError(archive, undefined, 0, `the archive ends inside member ${outName || '(skipped)'}`);
  return written;
}

function field(block: Buffer, offset: number, length: number): string {
  const raw = block.subarray(offset, offset + length);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? raw.length : nul).toString('utf8').trim();
}
