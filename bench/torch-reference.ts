import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import type { ModelName } from './throughput-models.js';

/**
 * OpenBLAS 0.3.21 misdetects Sapphire Rapids; without this PyTorch's sgemm runs a slow path.
 * Only on CPUs with AVX-512: on an AVX2-only CPU (AMD Zen 3) SkylakeX kernels die with SIGILL,
 * and OpenBLAS' own detection is right there.
 */
const TORCH_ENV: Record<string, string> = hasAvx512() ? { OPENBLAS_CORETYPE: 'SkylakeX' } : {};

function hasAvx512(): boolean {
  try {
    return /\bavx512f\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

export interface TorchRun {
  samplesPerSec: number;
  /** Samples per CPU-second of the whole process (all threads). */
  samplesPerCpuSec: number;
  /** Batch size over the fastest single step: what an uncontended machine approaches. */
  fastestStepSamplesPerSec: number;
}

/**
 * bench/reference_torch.py kept running in serve mode, so PyTorch and tfjs are measured
 * alternately in one run on the same (shared, noisy) machine.
 */
export class TorchReference {
  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: Interface,
    readonly description: string,
  ) {}

  /**
   * Starts the reference, or returns the reason it cannot run here. `threads` (ours, the
   * addon's pool; SPARSENAS_TORCH_THREADS overrides it): PyTorch's intra-op threads, with
   * OpenBLAS single-threaded beneath them and OpenMP waiting passively. Measured on this shared
   * 2-core machine (load 2-3, MLP dense, 30 steps, 5 one-shot runs each, samples/s):
   * PyTorch's defaults (1 OpenMP thread, OpenBLAS' own pool of 2) 44-53k with CPU-s halving
   * run to run; 2 OpenMP + 2 OpenBLAS threads 1.0-8.9k (the two pools oversubscribe the cores
   * and spin); 2 OpenMP (active wait) + OpenBLAS 1 1.2-43k; 2 OpenMP passive + OpenBLAS 1
   * 29-46k, four of five within 43-46k; 1 + 1 38-47k. The erratic 12k-86k dense figure came
   * from those spinning pools, not the timing window.
   */
  static async start(threads?: number): Promise<TorchReference | string> {
    const env: Record<string, string> = {
      ...TORCH_ENV,
      ...(threads !== undefined ? { SPARSENAS_TORCH_THREADS: process.env.SPARSENAS_TORCH_THREADS ?? String(threads), OPENBLAS_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' } : {}),
    };
    const python = [process.env.SPARSENAS_PYTHON, '/usr/bin/python3', 'python3'].find(
      (p) => p !== undefined && spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore', env: { ...process.env, ...env } }).status === 0,
    );
    if (python === undefined) return 'PyTorch not importable by SPARSENAS_PYTHON, /usr/bin/python3 or python3';
    const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'reference_torch.py');
    if (!existsSync(script)) return `${script} missing`;
    const child = spawn(python, [script], { env: { ...process.env, ...env } });
    const lines = createInterface({ input: child.stdout });
    const ref = new TorchReference(child, lines, python);
    const hello = JSON.parse(await ref.nextLine()) as { torch: string; threads: number };
    const coretype = TORCH_ENV.OPENBLAS_CORETYPE ? `OPENBLAS_CORETYPE=${TORCH_ENV.OPENBLAS_CORETYPE}` : 'OpenBLAS core type auto-detected';
    const pools = threads !== undefined ? ', OpenBLAS 1 thread, OMP_WAIT_POLICY=PASSIVE' : '';
    return Object.assign(ref, { description: `PyTorch ${hello.torch} (${python}, ${hello.threads} intra-op threads${pools}, ${coretype})` });
  }

  private nextLine(): Promise<string> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`reference_torch.py exited with ${code}`));
      this.child.once('exit', onExit);
      this.lines.once('line', (line) => {
        this.child.off('exit', onExit);
        resolve(line);
      });
    });
  }

  /** `route`: 'dense' (W * M) or 'sparse' (torch.sparse.mm over the non-zeros, MLP only). */
  async measure(model: ModelName, sparsity: number, steps: number, warmup: number, batch: number, route: 'dense' | 'sparse' = 'dense'): Promise<TorchRun> {
    this.child.stdin.write(`${JSON.stringify({ model, sparsity, steps, warmup, batch, route })}\n`);
    const res = JSON.parse(await this.nextLine()) as {
      samples_per_sec: number;
      samples_per_cpu_sec: number;
      fastest_step_samples_per_sec: number;
    };
    return {
      samplesPerSec: res.samples_per_sec,
      samplesPerCpuSec: res.samples_per_cpu_sec,
      fastestStepSamplesPerSec: res.fastest_step_samples_per_sec,
    };
  }

  close(): void {
    this.child.stdin.end();
    this.lines.close();
  }
}
