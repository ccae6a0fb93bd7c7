import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AUTO_RULE, applyThreads, resolveParallelism } from '../../cli/parallelism.js';
import { superviseSearch } from '../../cli/supervisor.js';
import { main } from '../../cli/main.js';
import { parseDefinition } from '../../search/index.js';
import { loadNativeAddon } from '../../evaluators/kernels/native/native-addon.js';
import { captureIo } from './capture-io.js';

const fakeEvaluator = fileURLToPath(new URL('./fake-evaluator-plugin.js', import.meta.url));

describe('--workers N|auto and --threads T', () => {
  it('auto is 1 worker using every CPU on small machines, one more worker per 16 CPUs', () => {
    assert.deepEqual(pick(resolveParallelism('auto', undefined, 2)), { workers: 1, threads: 2 });
    assert.deepEqual(pick(resolveParallelism('auto', undefined, 1)), { workers: 1, threads: 1 });
    assert.deepEqual(pick(resolveParallelism('auto', undefined, 16)), { workers: 1, threads: 16 });
    assert.deepEqual(pick(resolveParallelism('auto', undefined, 32)), { workers: 2, threads: 16 });
    assert.deepEqual(pick(resolveParallelism('auto', undefined, 40)), { workers: 3, threads: 13 });
    assert.deepEqual(pick(resolveParallelism('auto', '1', 2)), { workers: 1, threads: 1 }, '--threads wins over auto\'s choice');
    assert.match(resolveParallelism('auto', undefined, 2).why, /--workers auto on 2 CPUs: 1 worker x 2 threads/);
  });

  it('--workers N gives each worker CPUs/N threads (at least 1) unless --threads says otherwise', () => {
    assert.deepEqual(pick(resolveParallelism('2', undefined, 2)), { workers: 2, threads: 1 });
    assert.deepEqual(pick(resolveParallelism('2', undefined, 8)), { workers: 2, threads: 4 });
    assert.deepEqual(pick(resolveParallelism('4', undefined, 2)), { workers: 4, threads: 1 });
    assert.deepEqual(pick(resolveParallelism('2', '2', 2)), { workers: 2, threads: 2 });
    assert.deepEqual(pick(resolveParallelism(undefined, undefined, 8)), { workers: 1, threads: undefined }, 'no flags: the addon\'s default');
    assert.deepEqual(pick(resolveParallelism('1', '3', 8)), { workers: 1, threads: 3 });
  });

  it('refuses bad values, naming the flag and the allowed range', () => {
    assert.throws(() => resolveParallelism(undefined, '0', 2), /--threads must be an integer from 1 to 16 \(the native kernels' pool size\), got "0"/);
    assert.throws(() => resolveParallelism(undefined, '17', 2), /--threads must be an integer from 1 to 16/);
    assert.throws(() => resolveParallelism('many', undefined, 2), /--workers must be a positive integer or "auto", got "many"/);
    assert.throws(() => resolveParallelism('0', undefined, 2), /--workers must be a positive integer or "auto"/);
  });

  it('the help of search says the auto rule; worker and resume accept --threads', async () => {
    const { io, text } = captureIo(process.cwd());
    assert.equal(await main(['search', '--help'], io), 0);
    assert.ok(text().stdout.includes(AUTO_RULE), text().stdout);
    assert.match(text().stdout, /--threads T/);
    const w = captureIo(process.cwd());
    assert.equal(await main(['worker', '--study', 's', '--threads', '99'], w.io), 2);
    assert.match(w.text().stderr, /--threads must be an integer from 1 to 16/);
    const r = captureIo(process.cwd());
    assert.equal(await main(['resume', '--study', 's', '--workers', 'nope'], r.io), 2);
    assert.match(r.text().stderr, /--workers must be a positive integer or "auto"/);
  });

  it('the supervisor passes --threads T to every worker process it starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparsenas-threads-'));
    try {
      const spawned: string[][] = [];
      const spawn = (args: string[]) => {
        spawned.push(args);
        // A worker that exits at once, having done nothing.
        const child = Object.assign(new EventEmitter(), { connected: false, stderr: null, send() {} }) as unknown as ChildProcess;
        setImmediate(() => child.emit('exit', 0, null));
        return child;
      };
      const definition = parseDefinition({ evaluator: { name: 'fake' }, plugins: [fakeEvaluator], testTopK: 0, budget: { maxTrials: 1 } });
      const run = superviseSearch({ definition, studyName: 'threads', mode: 'create', db: join(dir, 's.db'), workers: 2, threads: 1, spawn });
      await run.catch(() => undefined);
      assert.equal(spawned.length, 2);
      for (const args of spawned) {
        const i = args.indexOf('--threads');
        assert.ok(i >= 0, `no --threads in ${args.join(' ')}`);
        assert.equal(args[i + 1], '1');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('applyThreads sizes the native pool of the process that loads the addon afterwards', (t) => {
    const env: NodeJS.ProcessEnv = {};
    applyThreads(3, env);
    assert.equal(env['SPARSENAS_NATIVE_THREADS'], '3');
    applyThreads(undefined, env);
    assert.equal(env['SPARSENAS_NATIVE_THREADS'], '3', 'undefined leaves it alone');
    if (!loadNativeAddon().addon) { t.skip(`native addon unavailable: ${loadNativeAddon().reason}`); return; }
    const parallelism = new URL('../../cli/parallelism.js', import.meta.url).href;
    const addon = new URL('../../evaluators/kernels/native/native-addon.js', import.meta.url).href;
    const env2 = { ...process.env };
    delete env2['SPARSENAS_NATIVE_THREADS'];
    const out = execFileSync(process.execPath, ['--input-type=module', '-e',
      `const { applyThreads } = await import(${JSON.stringify(parallelism)}); applyThreads(1);
       const { loadNativeAddon } = await import(${JSON.stringify(addon)}); console.log(loadNativeAddon().reason);`], { env: env2, encoding: 'utf8' });
    assert.match(out, /native kernels loaded \(\w+, 1 threads\)/);
  });
});

function pick(p: { workers: number; threads?: number }) {
  return { workers: p.workers, threads: p.threads };
}
