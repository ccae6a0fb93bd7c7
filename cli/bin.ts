#!/usr/bin/env node
import { main } from './main.js';

const controller = new AbortController();
let stops = 0;
const stop = () => {
  // First Ctrl-C: stop gracefully (running trial recorded as interrupted). Second: leave now.
  if (++stops > 1) process.exit(130);
  process.stderr.write('\nstopping: the running trial is recorded as interrupted (Ctrl-C again to quit at once)\n');
  controller.abort();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const code = await main(process.argv.slice(2), {
  cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, isTTY: !!process.stdout.isTTY,
  signal: controller.signal, stop: () => controller.abort(), env: process.env,
});
process.exitCode = code;
