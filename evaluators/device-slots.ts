import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * At most `limit` processes train on one GPU at a time. Each evaluator process (a worker of
 * `sparsenas search --workers N`, or separate searches) that picks a GPU backend takes one of
 * the device's slots, a lock file created exclusively (`O_EXCL`) holding its pid; a process
 * that finds every slot taken trains on the next backend of the chain instead. A slot whose
 * pid no longer runs (a killed worker) is taken over. Slots are released when the evaluator
 * is disposed, and at process exit.
 */
export interface DeviceSlot {
  /** The lock file held. */
  readonly path: string;
  release(): void;
}

export interface SlotRequest {
  /** Names the device (e.g. its adapter); processes share slots by this key. */
  device: string;
  limit: number;
  /** Where the lock files live. Default: `<tmpdir>/sparsenas-gpu-slots`. */
  dir?: string;
}

export type SlotResult = { slot: DeviceSlot } | { slot?: undefined; holders: number[] };

const held = new Set<DeviceSlot>();
let exitHook = false;

export function defaultSlotDir(): string {
  return join(tmpdir(), 'sparsenas-gpu-slots');
}

export function acquireDeviceSlot(req: SlotRequest): SlotResult {
  if (!Number.isInteger(req.limit) || req.limit < 1) throw new RangeError(`gpuConcurrency must be a positive integer, got ${req.limit}`);
  const dir = join(req.dir ?? defaultSlotDir(), req.device.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120) || 'gpu');
  mkdirSync(dir, { recursive: true });
  const holders: number[] = [];
  for (let i = 0; i < req.limit; i++) {
    const path = join(dir, `slot-${i}.lock`);
    let slot = tryCreate(path);
    if (!slot) {
      const pid = readPid(path);
      if (pid !== undefined && pid !== process.pid && !alive(pid)) {
        // Its owner died without releasing it: take it over.
        try { unlinkSync(path); } catch { /* another process took it over first */ }
        slot = tryCreate(path);
      }
      if (!slot) { holders.push(readPid(path) ?? -1); continue; }
    }
    held.add(slot);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => { for (const s of [...held]) s.release(); });
    }
    return { slot };
  }
  return { holders };
}

function tryCreate(path: string): DeviceSlot | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw err;
  }
  try { writeSync(fd, String(process.pid)); } finally { closeSync(fd); }
  const slot: DeviceSlot = {
    path,
    release() {
      if (!held.delete(slot)) return;
      try { if (readPid(path) === process.pid) unlinkSync(path); } catch { /* already gone */ }
    },
  };
  return slot;
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
