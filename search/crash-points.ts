/**
 * Test hook for the crash tests of the trial protocol: `SPARSENAS_KILL_AT=POINT` (or
 * `POINT@N`, the N-th time this process gets there) makes the process SIGKILL itself at that
 * point, exactly as a `kill -9` from outside would. Points:
 * - `claimed`: the transaction that claimed or inserted a trial has committed, before training;
 * - `epoch-reported`: an epoch was trained and reported, before its row is written (mid-epoch);
 * - `epoch-stored`: right after an epoch row was written;
 * - `finished`: the trial's result was written, before the next transaction tells the strategy;
 * - `asked`: inside the transaction, after ask() and before the commit (must roll back);
 * - `told`: inside the transaction, after tell() and before the commit (must roll back).
 * Unset (always, outside those tests) it costs one string comparison.
 */
export type CrashPoint = 'claimed' | 'epoch-reported' | 'epoch-stored' | 'finished' | 'asked' | 'told';

const spec = /^([a-z-]+)(?:@(\d+))?$/.exec(process.env['SPARSENAS_KILL_AT'] ?? '');
let seen = 0;

export function crashPoint(point: CrashPoint): void {
  if (!spec || spec[1] !== point) return;
  if (++seen < Number(spec[2] ?? 1)) return;
  process.kill(process.pid, 'SIGKILL');
}
