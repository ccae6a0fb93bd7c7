// `npm run bench -- NAME [args]`: runs one benchmark in its own process (benchmarks measure,
// tests assert; nothing here is part of `npm test`). Without a name, lists them.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCHMARKS: Record<string, { file: string; what: string }> = {
  throughput: { file: 'throughput.js', what: 'reference MLP and CNN, dense and 90% sparse, every backend, ratio to PyTorch in the same run' },
  'cnn-throughput': { file: 'cnn-throughput.js', what: 'small CNN and MLP on stock wasm vs wasm with the composed kernels' },
  sparse: { file: 'sparse.js', what: 'sparse kernels: MLP/CNN training step at densities 1…0.02, dense vs sparse vs auto, PyTorch dense and torch.sparse, per-layer crossover, sgemm peak' },
  kernels: { file: 'kernel-timings.js', what: 'CPU time per kernel, stock wasm vs evaluators/kernels; --profile-only [--density D]: where one training step (dense, or the evaluator route at mask density D) spends its time' },
  evaluator: { file: 'evaluator-throughput.js', what: 'end-to-end trial throughput of the evaluator (MLP dense/static/RigL, CNN)' },
  'sparse-methods': { file: 'sparse-methods.js', what: 'host-side cost of mask updates (RigL, SET, GMP, SR-STE)' },
  'wgsef-prox': { file: 'wgsef-prox.js', what: 'WGSEF proximal operator time for 10^3…10^6 groups' },
  'data-memory': { file: 'data-memory.js', what: 'peak RSS while loading a CIFAR-10-sized dataset' },
  store: { file: 'store-bench.js', what: 'store cost per trial (SQLite file vs PostgreSQL vs memory, paired rounds) and concurrent workers on one PostgreSQL server' },
  gpu: { file: 'gpu/check.js', what: 'webgpu adapter, correctness against cpu, samples/s of the reference models at batch 128/1024/4096 (JSON)' },
  workers: { file: 'workers.js', what: '1 worker x N threads vs N workers x 1 thread, trials/hour of small MLP searches (the --workers auto decision)' },
  supernet: { file: 'supernet.js', what: 'DASS supernet: samples/s of the alpha, W and score steps and of the derived network\'s step, native vs wasm (issue 12)' },
  'event-loop': { file: 'event-loop.js', what: 'how long a CNN epoch blocks the event loop (what the stale timeout must exceed), per backend' },
};

const [name, ...args] = process.argv.slice(2);
const bench = name ? BENCHMARKS[name] : undefined;
if (!bench) {
  if (name) process.stderr.write(`unknown benchmark "${name}"\n`);
  process.stdout.write('npm run bench -- NAME [args]\n\n' + Object.entries(BENCHMARKS).map(([n, b]) => `  ${n.padEnd(15)} ${b.what}`).join('\n') + '\n');
  process.exit(name ? 2 : 0);
}
const run = spawnSync(process.execPath, [join(dirname(fileURLToPath(import.meta.url)), bench.file), ...args], { stdio: 'inherit' });
process.exit(run.status ?? 1);
