/**
 * How long training blocks the event loop: what the stale timeout of the trial protocol
 * (search/runner.ts DEFAULT_STALE_AFTER_MS) must stay far above, since heartbeats are timers.
 * Trains the reference CNN (conv3×3 32, pool, conv3×3 64, pool, dense 10; batch 128, Adam) for
 * one epoch with the real evaluator on the embedded Fashion-MNIST split, per backend, and
 * reports the event-loop delay (perf_hooks histogram) and the longest gap between two firings
 * of a 10 ms timer (a heartbeat's view), including the per-epoch validation and saving weights.
 *
 *   npm run bench -- event-loop [--backend native,wasm] [--subset 4096]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DEFAULT_DEFINITION, DENSE_SPARSITY, type Architecture, type StudyDefinition } from '../search/index.js';
import { TfjsEvaluator, type BackendChoice } from '../evaluators/index.js';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'native,wasm' }, subset: { type: 'string', default: '4096' } } });
const cnn: Architecture = {
  family: 'cnn', input: 'image', sparsity: DENSE_SPARSITY,
  layers: [
    { type: 'conv2d', filters: 32, kernel: 3, activation: 'relu' }, { type: 'maxPool', size: 2 },
    { type: 'conv2d', filters: 64, kernel: 3, activation: 'relu' }, { type: 'maxPool', size: 2 },
  ],
};
const definition: StudyDefinition = { ...DEFAULT_DEFINITION, dataset: { ...DEFAULT_DEFINITION.dataset, subset: Number(values.subset) } };
const training = { epochs: 1, batchSize: 128, optimizer: 'adam' as const, learningRate: 1e-3 };
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-eventloop-'));

console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${values.subset} training images, batch 128, 1 epoch + validation + saving weights`);
try {
  for (const backend of values.backend!.split(',')) {
    const ev = new TfjsEvaluator({ backend: backend as BackendChoice });
    const info = await ev.prepare(definition);
    const run = (n: number) => ev.evaluate({ studyName: 'bench', trialNumber: n, seed: 1, architecture: cnn, dataset: definition.dataset, training, artifactDir: join(dir, `${backend}-${n}`) },
      { epochEnded: () => {} }, new AbortController().signal);
    await run(0); // warm-up: kernels, JIT
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    let last = performance.now();
    let gap = 0;
    const timer = setInterval(() => { const t = performance.now(); gap = Math.max(gap, t - last); last = t; }, 10);
    histogram.enable();
    const m = await run(1);
    histogram.disable();
    clearInterval(timer);
    const ms = (ns: number) => (ns / 1e6).toFixed(0);
    console.log(`${info.backend.padEnd(7)} ${m.samplesPerSecond.toFixed(0).padStart(6)} samples/s  event-loop delay mean ${ms(histogram.mean)} ms, p99 ${ms(histogram.percentile(99))} ms, max ${ms(histogram.max)} ms; longest gap between 10 ms timer firings ${gap.toFixed(0)} ms (epoch ${(m.trainTimeMs / 1000).toFixed(1)} s)`);
    await ev.dispose();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
