/**
 * The DASS supernet's training steps (issue 12): samples/s of the α step (first order, masked
 * validation loss), the W step (pretrain/finetune) and the score step (prune) on a small DARTS
 * supernet, and of the derived network's W step, on the native and the wasm backend in the
 * same run (interleaved per repeat), medians of the repeats. Not a test: numbers depend on
 * the machine and its load, printed with them.
 *
 *   npx tsc -p . && node dist/bench/supernet.js [--batch 64] [--channels 8] [--cells 3] [--repeats 5] [--backends native,wasm]
 *
 * Without --batch and --backends it measures two row sets: native alone at batch 64 (the issue's
 * size), then native vs wasm interleaved at batch 16. wasm's heap is at most 4 GB (32-bit wasm
 * memory) and a supernet W step at batch 64 peaks near 4.8 GB of tfjs tensors, so the
 * native ÷ wasm ratio is measured at the batch wasm can hold; native keeps its tensors outside
 * that heap. With either flag it measures the one set they name.
 *
 * Supernet: `cells` layer C = --channels, L = --cells (reductions at ⌊L/3⌋, ⌊2L/3⌋), 4 nodes,
 * the 8 DARTS ops on every edge, 28×28×1 inputs, 10 classes, SGD momentum 0.9 with grad-norm
 * clip 5 (DARTS' W optimiser), α Adam 3e-4. Derived network: DARTS_V2's genotype at the same
 * C and L. Synthetic data from a fixed seed; one warm-up step per kind, whose tfjs peak memory
 * is reported.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadavg } from 'node:os';
import { createRng, DARTS_OPS, DARTS_V2, DENSE_SPARSITY, type Architecture, type CellsLayer, type TrainingConfig } from '../search/index.js';
import { buildNetwork } from '../evaluators/network/build-network.js';
import { StaticMethod } from '../evaluators/sparse/index.js';
import { syntheticDataset } from '../evaluators/synthetic-dataset.js';
import { createMethodTools, DassMethod, type Batch, type MethodStepContext } from '../evaluators/methods/index.js';
import { installKernels } from '../evaluators/kernels/index.js';
import { installNativeKernels, nativeAvailable, uninstallNativeKernels } from '../evaluators/kernels/native/index.js';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}
const channels = Number(flag('channels', '8')), cells = Number(flag('cells', '3'));
const repeats = Number(flag('repeats', '5'));
const chosen = process.argv.includes('--batch') || process.argv.includes('--backends');
type Backend = 'native' | 'wasm';
/** The row sets to measure: the flags' one, or native at 64 and native vs wasm at 16. */
const SETS: { batch: number; backends: Backend[]; why?: string }[] = chosen
  ? [{ batch: Number(flag('batch', '64')), backends: flag('backends', 'native,wasm').split(',') as Backend[] }]
  : [
    { batch: 64, backends: ['native'], why: 'native alone at the issue\'s batch 64: a supernet step there peaks near 4.8 GB of tensors, more than wasm\'s 4 GB heap holds' },
    { batch: 16, backends: ['native', 'wasm'], why: 'native vs wasm interleaved at batch 16, the batch wasm\'s 4 GB heap can hold' },
  ];
const shape = [28, 28, 1];

type Kind = 'alpha' | 'W' | 'score' | 'derived W';
const KINDS: Kind[] = ['alpha', 'W', 'score', 'derived W'];

const layer = (extra: Partial<CellsLayer>): Architecture => ({
  family: 'darts', input: 'image', sparsity: { ...DENSE_SPARSITY },
  layers: [{ type: 'cells', name: 'cells', channels, cells, stemMultiplier: 3, ...extra } as CellsLayer, { type: 'globalAvgPool' }],
});
const supernet = layer({ supernet: { nodes: 4, ops: [...DARTS_OPS] } });
const derived = layer({ genotype: DARTS_V2 });
/** One network with the dass method as the evaluator creates it, and a step of `kind` at `batch`. */
function setup(kind: Kind, batch: number) {
  const training: TrainingConfig = { epochs: 3, batchSize: batch, optimizer: 'momentum', momentum: 0.9, learningRate: 0.025, gradClipNorm: 5 };
  const data = syntheticDataset({ shape, classes: 10, train: 4 * batch, validation: 4 * batch, test: 8 }, 3);
  const arch = kind === 'derived W' ? derived : supernet;
  const net = buildNetwork(arch, shape, 10, 7);
  const sparse = new StaticMethod();
  sparse.init(net.params, arch.sparsity, createRng(1), 10);
  let method: DassMethod | undefined;
  const tools = createMethodTools({ net, sparse, dataset: data, seed: 1, training, method: () => method });
  method = new DassMethod({ options: { pretrainEpochs: 1, pruneEpochs: 1, finetuneEpochs: 1, sparsity: 0.9, alpha: { learningRate: 3e-4 } }, net, training, dataset: data, seed: 1, totalSteps: 9, tools });
  const optimizer = tools.optimizer();
  const next = tools.batches('train', batch, 'bench');
  const ctx = (epoch: number): MethodStepContext => ({ epoch, step: 1, totalSteps: 9, learningRate: 0.025, optimizer });
  const epoch = kind === 'score' ? 2 : 1;
  method.enterPhase(method.phaseOf(epoch));
  const step = () => {
    if (kind === 'alpha') return method!.beforeStep(ctx(epoch)); // the α step, on a validation batch
    const b: Batch = next();
    try {
      method!.step(b, ctx(epoch));
      net.commitBatchNorm();
      method!.afterStep();
    } finally {
      tf.dispose([b.x, b.y, b.labels]);
    }
  };
  const dispose = () => { method!.dispose(); optimizer.dispose(); sparse.dispose(); net.dispose(); };
  return { step, dispose };
}

async function use(backend: 'native' | 'wasm'): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  installKernels('wasm');
  if (backend === 'native') installNativeKernels();
  else uninstallNativeKernels();
}

interface Sample { wall: number; cpu: number }
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

/** Measures every kind at `batch` on `backends` (interleaved per repeat) and prints its table. */
async function measure(batch: number, backends: Backend[], why?: string): Promise<void> {
  const results = new Map<string, Sample[]>();
  const peaks = new Map<string, number>();
  const failures = new Map<string, string>();
  if (backends.includes('native') && !nativeAvailable().ok) {
    console.log(`native: ${nativeAvailable().reason}; measuring wasm only`);
    backends = backends.filter((b) => b !== 'native');
  }
  if (!backends.length) return;
  const loadBefore = loadavg().map((v) => v.toFixed(1)).join(' ');
  for (const kind of KINDS) {
    const nets = new Map<Backend, ReturnType<typeof setup>>();
    try {
      for (const backend of backends) {
        await use(backend);
        const key = `${kind}|${backend}`;
        try {
          const s = setup(kind, batch);
          nets.set(backend, s);
          const info = await tf.profile(() => { s.step(); });
          peaks.set(key, info.peakBytes);
        } catch (err) {
          failures.set(key, (err instanceof Error ? err.message : String(err)).split('\n')[0]!);
        }
      }
      for (let r = 0; r < repeats; r++) {
        for (const backend of backends) {
          const s = nets.get(backend);
          if (!s) continue;
          await use(backend);
          const key = `${kind}|${backend}`;
          const t0 = performance.now(), c0 = process.cpuUsage();
          try {
            s.step();
          } catch (err) {
            failures.set(key, (err instanceof Error ? err.message : String(err)).split('\n')[0]!);
            nets.delete(backend);
            continue;
          }
          const c = process.cpuUsage(c0);
          results.set(key, [...(results.get(key) ?? []), { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 }]);
        }
      }
    } finally {
      for (const [backend, s] of nets) { await use(backend); s.dispose(); }
    }
  }
  const loadAfter = loadavg().map((v) => v.toFixed(1)).join(' ');

  if (why) console.log(`## ${why}`);
  console.log(`DASS supernet C=${channels}, ${cells} cells, 4 nodes, ${DARTS_OPS.length} ops; derived: DARTS_V2 at the same size; batch ${batch}, 28×28×1, median of ${repeats} steps`);
  console.log(`load average before ${loadBefore}, after ${loadAfter}; SPARSENAS_NATIVE_THREADS=${process.env['SPARSENAS_NATIVE_THREADS'] ?? 'unset'}`);
  console.log('');
  console.log(`| step | ${backends.map((b) => `${b} samples/s | ${b} per CPU-s | ${b} peak MB`).join(' | ')} |${backends.length === 2 ? ' native/wasm |' : ''}`);
  console.log(`|---|${backends.map(() => '---|---|---').join('|')}|${backends.length === 2 ? '---|' : ''}`);
  for (const kind of KINDS) {
    const cellsOf = backends.map((b) => {
      const key = `${kind}|${b}`, rs = results.get(key);
      if (!rs?.length) return `cannot run: ${failures.get(key) ?? 'no samples'} | | `;
      return `${(batch / median(rs.map((x) => x.wall))).toFixed(1)} | ${(batch / median(rs.map((x) => x.cpu))).toFixed(1)} | ${((peaks.get(key) ?? 0) / 1e6).toFixed(0)}`;
    });
    let ratio = '';
    if (backends.length === 2) {
      const [a, b] = backends.map((bk) => results.get(`${kind}|${bk}`));
      ratio = a?.length && b?.length ? ` ${(median(b.map((x) => x.cpu)) / median(a.map((x) => x.cpu))).toFixed(2)}× |` : ' |';
    }
    console.log(`| ${kind} | ${cellsOf.join(' | ')} |${ratio}`);
  }
  console.log('');
}

for (const set of SETS) await measure(set.batch, [...set.backends], set.why);
