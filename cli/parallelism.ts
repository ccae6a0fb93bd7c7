import { availableParallelism } from 'node:os';
import { UsageError } from './errors.js';

/** The native kernels' thread pool holds at most this many threads (native/src/thread-pool.h). */
export const MAX_NATIVE_THREADS = 16;

/** How `--workers auto` decides, as the CLI help and the README say it. */
export const AUTO_RULE = 'auto = 1 worker whose native kernels use every CPU (one more worker per 16 CPUs, the pool\'s cap): '
  + 'small candidates train faster as 1 worker x 2 threads than as 2 workers x 1 thread (npm run bench -- workers)';

export interface Parallelism {
  /** Worker processes (1: this process trains). */
  workers: number;
  /** Threads of each process's native kernel pool; undefined: the addon's default (SPARSENAS_NATIVE_THREADS or every CPU). */
  threads?: number;
  /** One line saying how this was chosen. */
  why: string;
}

/**
 * `--workers N|auto` and `--threads T` → processes and threads per process. Explicit N gives
 * each worker CPUs/N threads (at least 1) unless --threads says otherwise; `auto` follows AUTO_RULE.
 */
export function resolveParallelism(workersFlag: unknown, threadsFlag: unknown, cpus = availableParallelism()): Parallelism {
  let threads: number | undefined;
  if (threadsFlag !== undefined) {
    const t = Number(threadsFlag);
    if (!Number.isInteger(t) || t < 1 || t > MAX_NATIVE_THREADS) {
      throw new UsageError(`--threads must be an integer from 1 to ${MAX_NATIVE_THREADS} (the native kernels' pool size), got "${threadsFlag}"`);
    }
    threads = t;
  }
  const n = Math.max(1, Math.floor(cpus));
  if (workersFlag === 'auto') {
    const workers = Math.ceil(n / MAX_NATIVE_THREADS);
    const t = threads ?? Math.min(MAX_NATIVE_THREADS, Math.max(1, Math.floor(n / workers)));
    return { workers, threads: t, why: `--workers auto on ${n} CPUs: ${workers} worker${workers > 1 ? 's' : ''} x ${t} thread${t > 1 ? 's' : ''} (${AUTO_RULE})` };
  }
  if (workersFlag === undefined) return { workers: 1, threads, why: threads ? `1 worker x ${threads} threads` : '1 worker' };
  const w = Number(workersFlag);
  if (!Number.isInteger(w) || w < 1) throw new UsageError(`--workers must be a positive integer or "auto", got "${workersFlag}"`);
  if (w === 1) return { workers: 1, threads, why: threads ? `1 worker x ${threads} threads` : '1 worker' };
  const t = threads ?? Math.min(MAX_NATIVE_THREADS, Math.max(1, Math.floor(n / w)));
  return { workers: w, threads: t, why: `${w} workers x ${t} thread${t > 1 ? 's' : ''} on ${n} CPUs` };
}

/**
 * Sizes this process's native kernel pool. The addon reads SPARSENAS_NATIVE_THREADS once, when
 * it loads (the first trial on the native backend), so this must run before that.
 */
export function applyThreads(threads: number | undefined, env: NodeJS.ProcessEnv = process.env): void {
  if (threads !== undefined) env['SPARSENAS_NATIVE_THREADS'] = String(threads);
}
