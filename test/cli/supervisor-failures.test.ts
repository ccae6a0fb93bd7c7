import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { superviseSearch } from '../../cli/supervisor.js';
import { parseDefinition } from '../../search/index.js';

const fakeEvaluator = fileURLToPath(new URL('./fake-evaluator-plugin.js', import.meta.url));

/** A worker process that reports `code`/`message` (as `sparsenas worker --ipc` does) and exits 1 after `exitAfterMs`. */
function failingWorker(code: string | undefined, message: string, exitAfterMs: number): ChildProcess {
  const stderr = new PassThrough();
  const child = Object.assign(new EventEmitter(), { connected: false, stderr, send() {} }) as unknown as ChildProcess;
  setImmediate(() => {
    if (code) child.emit('message', { type: 'worker.failed', code, message });
    stderr.write(`sparsenas: ${message}\n`);
    setTimeout(() => child.emit('exit', 1, null), exitAfterMs);
  });
  return child;
}

describe('sparsenas search --workers N: which failure the supervisor names', () => {
  // Stop 25's CI: on a full disk, the worker that hit ENOSPC marked the study interrupted and was
  // still shutting down when the other, which only then finished preparing, found the study ended
  // and exited first. The run must name the full disk, not the follower's "nothing to join".
  const cases = [
    { name: 'the follower exits first', follower: 5, cause: 60 },
    { name: 'the cause exits first', follower: 60, cause: 5 },
  ];
  for (const c of cases) {
    it(`names the cause, not a worker that found the study already ended (${c.name})`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sparsenas-superfail-'));
      try {
        const workers = [
          () => failingWorker('STUDY_NOT_RUNNING', 'study "s" is interrupted, so there is nothing to join; continue it with `sparsenas resume --study s`', c.follower),
          () => failingWorker('DISK_FULL', 'out of disk space writing /x/trial-0 (ENOSPC); free space, then run `sparsenas resume --study s`', c.cause),
        ];
        let i = 0;
        const definition = parseDefinition({ evaluator: { name: 'fake' }, plugins: [fakeEvaluator], testTopK: 0, budget: { maxTrials: 1 } });
        const run = superviseSearch({ definition, studyName: 's', mode: 'create', db: join(dir, 's.db'), workers: 2, spawn: () => workers[i++]!() });
        await assert.rejects(run, (err: Error & { code?: string }) => {
          assert.equal(err.code, 'WORKER_FAILED');
          assert.match(err.message, /^worker 2 exited with code 1: out of disk space writing .*then run `sparsenas resume --study s`/);
          return true;
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('between two causes, the first to fail is named; a worker that sent no code counts as a cause', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparsenas-superfail-'));
    try {
      const workers = [
        () => failingWorker(undefined, 'unexpected error: boom', 40),
        () => failingWorker('DISK_FULL', 'out of disk space writing /x', 5),
      ];
      let i = 0;
      const definition = parseDefinition({ evaluator: { name: 'fake' }, plugins: [fakeEvaluator], testTopK: 0, budget: { maxTrials: 1 } });
      const run = superviseSearch({ definition, studyName: 's', mode: 'create', db: join(dir, 's.db'), workers: 2, spawn: () => workers[i++]!() });
      await assert.rejects(run, (err: Error) => /^worker 2 exited with code 1: out of disk space/.test(err.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
