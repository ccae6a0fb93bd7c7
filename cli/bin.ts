#!/usr/bin/env node
import { main } from './main.js';
import { parentChannel } from './parent-channel.js';

const controller = new AbortController();
const parent = parentChannel();
let stops = 0;
const stop = () => {
  // First Ctrl-C: stop gracefully (running trial recorded as interrupted). Second: leave now.
  if (++stops > 1) process.exit(130);
  // A supervisor's workers get the terminal's Ctrl-C too; the supervisor says it once.
  if (!parent) process.stderr.write('\nstopping: the running trial is recorded as interrupted and redone on resume (Ctrl-C again to quit at once)\n');
  controller.abort();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// A closed standard output (`sparsenas search --json | head`) is EPIPE on the next write: stop
// the search as Ctrl-C does (the study is left stopped, resumable) instead of crashing with
// the study left running. Later writes to the closed stream are dropped.
let stdoutClosed = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  if (stdoutClosed) return;
  stdoutClosed = true;
  if (!parent) process.stderr.write('sparsenas: standard output was closed; stopping as on Ctrl-C (`sparsenas resume` continues the study)\n');
  controller.abort();
});

const code = await main(process.argv.slice(2), {
  cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, isTTY: !!process.stdout.isTTY,
  signal: controller.signal, stop: () => controller.abort(), env: process.env, parent,
});
process.exitCode = code;
parent?.close();
// Exit even if a plugin left a timer running (e.g. a strategy call abandoned when the search
// stopped): the work is stored, nothing is left to wait for.
setTimeout(() => process.exit(code), 1000).unref();
