import { PassThrough } from 'node:stream';
import type { CommandIo } from '../../cli/io.js';

/** A CommandIo for running `main` in tests: not a terminal, output captured. */
export function captureIo(cwd: string): { io: CommandIo; text: () => { stdout: string; stderr: string } } {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const controller = new AbortController();
  return {
    io: { cwd, stdout: out, stderr: err, isTTY: false, signal: controller.signal, stop: () => controller.abort(), env: {} },
    text: () => ({ stdout, stderr }),
  };
}
