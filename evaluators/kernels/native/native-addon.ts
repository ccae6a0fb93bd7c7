import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The C addon built from `native/` by `scripts/build-native.mjs`. Every kernel takes the
 * wasm backend's heap and byte offsets of tensors inside it (negative = absent), reads
 * and writes in place, and returns when done. Shapes travel as Int32Arrays whose field
 * order matches the C structs (`native/src/conv2d.h`, `max-pool.h`).
 */
export interface NativeAddon {
  /** dims: [batch, m, n, k, transposeA, transposeB, batchA, batchB, activation]. */
  gemm(heap: Float32Array, a: number, b: number, c: number, bias: number, dims: Int32Array, alpha: number, prelu: number): void;
  conv2d(heap: Float32Array, x: number, w: number, bias: number, out: number, shape: Int32Array, activation: number, alpha: number, prelu: number): void;
  conv2dBackpropFilter(heap: Float32Array, x: number, dy: number, dw: number, shape: Int32Array): void;
  conv2dBackpropInput(heap: Float32Array, dy: number, w: number, dx: number, shape: Int32Array): void;
  maxPool(heap: Float32Array, x: number, out: number, shape: Int32Array): void;
  maxPoolGrad(heap: Float32Array, dy: number, x: number, dx: number, shape: Int32Array): void;
  /** op: 0 add, 1 sub, 2 mul, 3 div; broadcast: 0 none, 1/2 a/b scalar, 3/4 a/b a row along the last axis. */
  binary(heap: Float32Array, op: number, broadcast: number, a: number, b: number, out: number, n: number, row: number): void;
  /** op: 0 sqrt, 1 square, 2 relu, 3 step (alpha at x <= 0). */
  unary(heap: Float32Array, op: number, x: number, out: number, n: number, alpha: number): void;
  /** Sums a row-major [outer x inner] matrix over its rows, or over its columns when reduceInner. */
  sum(heap: Float32Array, x: number, out: number, outer: number, inner: number, reduceInner: boolean): void;
  /**
   * The element-wise half of a dense layer's gradient (native/src/dense-layer.h): relu: dz =
   * dy where y > 0, else 0; linear: dz is dy (pass -1). db (or -1) = the column sums of dz.
   * Optional: an addon built before it still loads and dense layers run the tfjs composition.
   */
  denseGradZ?(heap: Float32Array, dy: number, y: number, dz: number, db: number, rows: number, cols: number, relu: boolean): void;
  /**
   * Softmax cross-entropy (native/src/softmax-xent.h) of logits z against labels y, [rows x
   * cols] each: dloss -1: out[0] = the mean loss; else out [rows x cols] = its gradient at z
   * for the scalar upstream gradient at offset dloss. Optional like denseGradZ.
   */
  softmaxXent?(heap: Float32Array, z: number, y: number, out: number, rows: number, cols: number, dloss: number): void;
  /**
   * Training-mode batch normalisation over x [rows x channels] (native/src/batch-norm.h), byte
   * offsets, -1 for absent. op 0: a = x, b = gamma, c = beta, out = y, writes mean and var;
   * op 1: a = dy, b = x (or x̂ itself with mean -1), c = gamma, out = dx, reads mean and var,
   * writes dgamma and dbeta. Optional like denseGradZ.
   */
  batchNorm?(heap: Float32Array, op: 0 | 1, a: number, b: number, c: number, out: number, mean: number, variance: number,
    dgamma: number, dbeta: number, rows: number, channels: number, eps: number): void;
  /** The micro-kernel in use ('avx512' | 'avx2' | 'generic') and the pool size. */
  info(): { isa: string; threads: number };
  /** Forces a micro-kernel (tests exercise every path the CPU can run); false if unsupported. */
  selectIsa(isa: string): boolean;
  /**
   * Sparse dense-layer kernels (sparse-dense.ts); optional: an addon built before them still
   * loads and the layers stay dense. dims: [batch, in, out, activation (0 linear, 1 relu)];
   * op 0: a = x, b = w, c = bias, out = y, aux = a buffer for the transposed input (or null); op 1/2/3
   * (input/weight/bias gradient): a = dy, b = y (relu gate) or -1, c = w / x / -1, aux (op 2)
   * = the forward's transposed input or null; reuseDz 1: the previous gradient call had this dy.
   */
  sparseDense?(heap: Float32Array, op: number, a: number, b: number, c: number, out: number, dims: Int32Array,
    optr: Int32Array, oidx: Int32Array, iptr: Int32Array, iidx: Int32Array, perm: Int32Array, aux: Float32Array | null, reuseDz: number): void;
  /**
   * Adam at a pattern's non-zeros only (native/src/sparse-adam.h), W updated in place.
   * dims: [in, out, compact (moments per non-zero), useScale, useWd]; hyper: [β1, β2, 1-β1,
   * 1-β2, 1-β1^t, 1-β2^t, ε, -lr, gradient scale, weight decay].
   */
  sparseAdam?(heap: Float32Array, w: number, dw: number, dims: Int32Array, iptr: Int32Array, iidx: Int32Array,
    m: Float32Array, v: Float32Array, hyper: Float64Array): void;
  /** The sparse kernels' ISA ('avx512' | 'avx2' | 'generic') and the bytes their reused buffers hold. */
  sparseInfo?(): { isa: string; bytes: number };
  selectSparseIsa?(isa: string): boolean;
  /**
   * N:M dense-layer kernels (native/src/nm-dense.h, nm-dense.ts). dims: [batch, in, out, n, m,
   * activation]; idx/val: the packed layer, out x nmKept(in, n, m) each. op 0: pack b = w,
   * out = act(a = x · W_nm + c = bias); op 1: out = a = dz · W_nmᵀ; op 2: pack b = w;
   * op 3: out = c + lambda · (a = w) off the packed mask; op 4: pack b = w, out = its 0/1 mask.
   */
  nmDense?(heap: Float32Array, op: number, a: number, b: number, c: number, out: number, dims: Int32Array,
    idx: Int32Array, val: Float32Array, lambda: number): void;
  /** The N:M kernels' ISA ('avx512' | 'avx2' | 'generic') and the bytes their buffers hold. */
  nmInfo?(): { isa: string; bytes: number };
  selectNmIsa?(isa: string): boolean;
  /**
   * Sparse convolution kernels (sparse-conv.ts); optional like sparseDense. shape: the 15
   * `spn_conv_shape` fields then the activation; op 0: a = x, b = w, c = bias, out = y;
   * op 1/2/3 (input/filter/bias gradient): a = dy, b = y (relu gate) or -1, c = w / x / -1.
   */
  sparseConv?(heap: Float32Array, op: number, a: number, b: number, c: number, out: number, shape: Int32Array,
    optr: Int32Array, oidx: Int32Array, iptr: Int32Array, iidx: Int32Array): void;
  /** The sparse convolutions' ISA ('avx512' | 'avx2' | 'generic') and the bytes their buffers hold. */
  sparseConvInfo?(): { isa: string; bytes: number };
  selectSparseConvIsa?(isa: string): boolean;
  /**
   * Fused dense Adam update (native/src/adam.h): w, g, m, v in, wOut, mOut, vOut out, n values;
   * coeffs [beta1, 1-beta1, beta2, 1-beta2, 1-beta1^t, 1-beta2^t, epsilon, -lr] as float32.
   */
  adam?(heap: Float32Array, w: number, g: number, m: number, v: number, wOut: number, mOut: number, vOut: number, n: number, coeffs: Float32Array): void;
  /**
   * The pool's counters (native/src/thread-pool.h): jobs, jobs run on the calling thread
   * alone after a descheduled worker (serialJobs, lateJobs), sleeps of workers and of the
   * caller, the most spin rounds a wait took before sleeping (at most spinLimit), workers asleep now.
   */
  poolStats?(): NativePoolStats;
  /** Waits until every worker sleeps or `timeoutMs` passes; returns the sleeping workers. */
  poolWaitIdle?(timeoutMs: number): number;
  /** Test hook: one job whose worker holds its task until the caller sleeps, then `serialAfter` jobs on the caller alone. */
  poolSelfTest?(timeoutMs: number, serialAfter: number): void;
}

export interface NativePoolStats {
  threads: number;
  sleeping: number;
  spinLimit: number;
  maxWorkerSpins: number;
  maxCallerSpins: number;
  jobs: number;
  serialJobs: number;
  lateJobs: number;
  workerSleeps: number;
  callerSleeps: number;
}

export const ADDON_FILE = 'sparsenas_native.node';

/** Every function the TypeScript side calls; a build that lacks one is stale. */
const REQUIRED = ['gemm', 'conv2d', 'conv2dBackpropFilter', 'conv2dBackpropInput', 'maxPool', 'maxPoolGrad', 'binary', 'unary', 'sum', 'info', 'selectIsa'] as const satisfies readonly (keyof NativeAddon)[];

export interface AddonLoad {
  readonly addon: NativeAddon | null;
  /** Why the addon is missing, or what was loaded. */
  readonly reason: string;
}

let cached: AddonLoad | undefined;

/** Per native call: calls and milliseconds, when SPARSENAS_NATIVE_PROFILE=1 (bench/kernel-timings.ts). */
export const nativeCallTimes = new Map<string, { calls: number; ms: number }>();

/** A label per call: the function, plus the op of binary/unary and the shape of gemm. */
function callLabel(name: string, args: unknown[]): string {
  if (name === 'binary') return `binary ${['add', 'sub', 'mul', 'div'][args[1] as number] ?? args[1]}`;
  if (name === 'unary') return `unary ${['sqrt', 'square', 'relu', 'step'][args[1] as number] ?? args[1]}`;
  if (name === 'gemm') {
    const [, m, n, k, ta, tb] = Array.from(args[5] as Int32Array);
    return `gemm ${m}x${n}x${k}${ta ? ' Aᵀ' : ''}${tb ? ' Bᵀ' : ''}`;
  }
  if (name === 'sparseDense') {
    const [, inputs, outputs] = Array.from(args[6] as Int32Array);
    return `sparseDense ${['forward', 'dx', 'dw', 'bias'][args[1] as number] ?? args[1]} ${inputs}x${outputs}`;
  }
  return name;
}

/** The addon with every function timed into nativeCallTimes (profiling only: one closure per call). */
function timedAddon(addon: NativeAddon): NativeAddon {
  const timed: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(addon)) {
    const f = (addon as unknown as Record<string, unknown>)[name];
    if (typeof f !== 'function') continue;
    timed[name] = (...args: unknown[]) => {
      const t0 = performance.now();
      try {
        return (f as (...a: unknown[]) => unknown).apply(addon, args);
      } finally {
        const label = callLabel(name, args);
        const entry = nativeCallTimes.get(label) ?? { calls: 0, ms: 0 };
        entry.calls++;
        entry.ms += performance.now() - t0;
        nativeCallTimes.set(label, entry);
      }
    };
  }
  return timed as unknown as NativeAddon;
}

/** Walks up from this module to the package root (the directory whose package.json names sparsenas). */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'sparsenas') return dir;
      } catch {
        // an unreadable manifest is not ours: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Loads the addon once; never throws. `SPARSENAS_NATIVE=0` disables it. */
export function loadNativeAddon(): AddonLoad {
  if (cached) return cached;
  if (process.env.SPARSENAS_NATIVE === '0') {
    cached = { addon: null, reason: 'native kernels disabled by SPARSENAS_NATIVE=0' };
    return cached;
  }
  const root = packageRoot();
  const file = root ? join(root, 'build', 'Release', ADDON_FILE) : null;
  if (!file || !existsSync(file)) {
    cached = {
      addon: null,
      reason: `native kernels not built (${file ?? ADDON_FILE} missing): run \`node scripts/build-native.mjs\` with a C compiler and node-gyp available`,
    };
    return cached;
  }
  try {
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    // An addon built from older sources lacks newer kernels: refuse it whole rather than
    // fail every trial later with "addon.x is not a function".
    const missing = REQUIRED.filter((f) => typeof (addon as unknown as Record<string, unknown>)[f] !== 'function');
    if (missing.length) {
      cached = { addon: null, reason: `native kernels at ${file} are stale (no ${missing.join(', ')}): rebuild with \`node scripts/build-native.mjs\`` };
      return cached;
    }
    const { isa, threads } = addon.info();
    cached = { addon: process.env.SPARSENAS_NATIVE_PROFILE === '1' ? timedAddon(addon) : addon, reason: `native kernels loaded (${isa}, ${threads} threads)` };
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    cached = { addon: null, reason: `native kernels failed to load from ${file} (${first}): rebuild with \`node scripts/build-native.mjs\`` };
  }
  return cached;
}
