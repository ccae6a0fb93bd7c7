import { SparsenasError, describeError } from './errors.js';

/**
 * Failures of the machine, not of the candidate (issue 13, "disk full"): the disk or quota is
 * full, or the storage failed. A trial that meets one is not `failed` (that would count it
 * against the budget and never train it again): it ends `interrupted`, the search stops with the
 * study `interrupted`, and `resume` redoes it with the same seed once the machine is fixed.
 */
export interface MachineFault {
  kind: 'disk-full' | 'io-error';
  /** The code that told: ENOSPC, EDQUOT, EIO, SQLITE_FULL, SQLITE_IOERR, 53100 (PostgreSQL disk_full). */
  code: string;
  /** The file or directory being written, when the error says. */
  path?: string;
  /** The original error's message. */
  detail: string;
}

const DISK_FULL = ['ENOSPC', 'EDQUOT', 'SQLITE_FULL', '53100'];
const IO_ERROR = ['EIO', 'SQLITE_IOERR'];

/** The machine fault behind `err` (its `cause` chain is followed), or undefined for any other error. */
export function machineFault(err: unknown): MachineFault | undefined {
  if (err instanceof MachineFaultError || err instanceof FaultInTrial) return err.fault;
  let path: string | undefined;
  const seen = new Set<unknown>();
  for (let e = err; e && typeof e === 'object' && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const p = (e as { path?: unknown }).path;
    if (path === undefined && typeof p === 'string') path = p;
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    const kind = DISK_FULL.includes(code) ? 'disk-full' : IO_ERROR.includes(code) ? 'io-error' : undefined;
    if (kind) return { kind, code, ...(path !== undefined ? { path } : {}), detail: describeError(e) };
  }
  return undefined;
}

/**
 * The error a search stops with on a machine fault. Its message names what was being written
 * and where, says the study is interrupted (or that even that could not be recorded), and gives
 * the fix: free space, then `sparsenas resume --study NAME`.
 */
export class MachineFaultError extends SparsenasError {
  constructor(readonly fault: MachineFault, message: string, options?: { cause?: unknown }) {
    super(fault.kind === 'disk-full' ? 'DISK_FULL' : 'DISK_IO_ERROR', message, options);
    this.name = 'MachineFaultError';
  }
}

export interface FaultContext {
  study: string;
  /** The trial that was running, if any (it is redone on resume). */
  trial?: number;
  /** What was written, when the error does not name a path (the database file). */
  fallbackPath?: string;
  /** Whether the study's `interrupted` state and the trial's could be written; 'start': it failed while starting the run (nothing was written). */
  recorded: boolean | 'start';
}

export function machineFaultError(fault: MachineFault, c: FaultContext, cause?: unknown): MachineFaultError {
  const where = fault.path ?? c.fallbackPath;
  const what = fault.kind === 'disk-full'
    ? `out of disk space${where ? ` writing ${where}` : ''} (${fault.detail})`
    : `the disk failed${where ? ` writing ${where}` : ''} (${fault.detail})`;
  const trial = c.trial !== undefined ? `trial ${c.trial} is not counted and will be redone with the same seed` : 'no trial was lost';
  const state = c.recorded === 'start' ? `nothing of this run was written to study "${c.study}"`
    : c.recorded ? `study "${c.study}" is interrupted and ${trial}`
    : `${trial}; the database could not record that either, so study "${c.study}" reads as running until it is resumed`;
  const fix = fault.kind === 'disk-full'
    ? `free space on the disk${where ? ` holding ${where}` : ''} (or raise the quota)`
    : `check the disk${where ? ` holding ${where}` : ''} (dmesg, SMART)`;
  return new MachineFaultError(fault,
    `${what}. This is the machine's fault, not the candidate's: the search stopped; ${state}. ` +
    `${fix[0]!.toUpperCase()}${fix.slice(1)}, then run \`sparsenas ${c.recorded === 'start' ? 'search' : 'resume'} --study ${c.study}\`${c.recorded === 'start' ? ' again (or resume, if the study exists)' : ''}`, { cause });
}

/** Thrown by the worker loop when a machine fault hit a trial: which one, for the message. */
export class FaultInTrial extends Error {
  constructor(readonly fault: MachineFault, readonly trial: number, options?: unknown) {
    super(fault.detail, options === undefined ? undefined : { cause: options });
    this.name = 'FaultInTrial';
  }
}
