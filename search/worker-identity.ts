import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { NewWorker } from './store.js';
import type { Trial, WorkerInfo } from './types.js';

/** This process as a worker of a study. */
export function workerIdentity(pid = process.pid): NewWorker & { machine: string } {
  const host = hostname();
  return { id: `${host}:${pid}:${randomBytes(4).toString('hex')}`, host, pid, machine: machineId() };
}

/**
 * The kernel boot and the pid namespace: two processes with the same value see the same pids,
 * so one can ask the kernel whether the other is still alive. (The hostname alone is not
 * enough: containers can share a hostname with different pid namespaces.)
 */
function machineId(): string {
  const read = (f: () => string) => { try { return f().trim(); } catch { return '?'; } };
  return `${read(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'))}/${read(() => readlinkSync('/proc/self/ns/pid'))}/${hostname()}`;
}

/** Whether a process with this pid exists here (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Liveness {
  /** A heartbeat older than this means the worker is presumed dead. */
  staleAfterMs: number;
  /** The machine id of the process judging (see `workerIdentity`). */
  machine: string;
  /** Ask the kernel about workers on the same machine (default true; tests of the stale path turn it off). */
  checkPids?: boolean;
  /** Injected for tests; default `pidAlive`. */
  alive?: (pid: number) => boolean;
}

/**
 * Why a registered worker is presumed dead, or undefined while it counts as alive: it ended,
 * its last heartbeat is older than the stale timeout, or it ran on this machine and its pid is
 * gone (a kill -9 is then noticed at once instead of after the timeout).
 */
export function workerDeath(w: WorkerInfo, now: number, l: Liveness): string | undefined {
  if (w.endedAt !== undefined) return 'it ended';
  const age = now - w.heartbeatAt;
  if (age >= l.staleAfterMs) return `no heartbeat for ${seconds(age)} s (stale after ${seconds(l.staleAfterMs)} s)`;
  if ((l.checkPids ?? true) && w.machine === l.machine && !(l.alive ?? pidAlive)(w.pid)) return `process ${w.pid} is gone`;
  return undefined;
}

/** Why a running trial's lease is presumed lost (its owner is dead or its heartbeat stale), or undefined. */
export function leaseDeath(t: Trial, owner: WorkerInfo | undefined, now: number, l: Liveness): string | undefined {
  const who = t.owner ? `worker ${t.owner}` : 'an older sparsenas process';
  const dead = owner && workerDeath(owner, now, l);
  if (dead) return `${who} was presumed dead: ${dead}`;
  const age = now - (t.heartbeatAt ?? t.startedAt);
  if (age >= l.staleAfterMs) return `${who} sent no heartbeat for ${seconds(age)} s (stale after ${seconds(l.staleAfterMs)} s)`;
  return undefined;
}

export const seconds = (ms: number) => Math.max(0, Math.round(ms / 100) / 10);
