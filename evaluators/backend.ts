import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError } from './errors.js';
import { installKernels } from './kernels/index.js';
import { installNativeKernels, nativeAvailable } from './kernels/native/index.js';
import { backendTraits } from './backend-traits.js';
import { acquireDeviceSlot } from './device-slots.js';
import { setupWebGpu } from './webgpu/setup.js';

export { backendTraits, type BackendTraits } from './backend-traits.js';

import { BACKENDS, type BackendChoice, type BackendName } from './backend-names.js';
export { BACKENDS, type BackendName, type BackendChoice } from './backend-names.js';

export interface BackendProbe {
  backend: BackendName;
  available: boolean;
  /** Why not (when unavailable), or what runs (when available). */
  detail: string;
  /** What to do to make it available. */
  fix?: string;
  /** The device a GPU backend runs on (its concurrency slots are per device). */
  device?: string;
}

export interface BackendOptions {
  /** How optional packages are imported (tests inject a failing one). Default: dynamic `import()`. */
  importer?: (pkg: string) => Promise<unknown>;
  /** Let `webgpu` run on a software adapter (Mesa's llvmpipe, SwiftShader): tests and correctness checks. */
  allowSoftwareGpu?: boolean;
  /**
   * At most this many processes train on one GPU at a time (one slot each, see device-slots.ts);
   * a process that finds them all taken runs on the next CPU backend. Unset: no limit.
   */
  gpuConcurrency?: number;
  /** Where the slots' lock files live (tests). */
  slotDir?: string;
}

export interface ChosenBackend {
  backend: BackendName;
  /** One line: why this one, and why each faster one was skipped. */
  reason: string;
  /** Frees the GPU slot this process holds (when `gpuConcurrency` is set); call when done with the backend. */
  release?: () => void;
}

/**
 * The tfjs backend each of ours runs on: both tfjs-node packages register `tensorflow`;
 * `native` is the wasm backend with its heavy kernels replaced by the C addon.
 */
export const TFJS_NAME: Record<BackendName, string> = {
  'tensorflow-gpu': 'tensorflow', webgpu: 'webgpu', tensorflow: 'tensorflow', native: 'wasm', wasm: 'wasm', cpu: 'cpu',
};

const FIX: Record<BackendName, string> = {
  'tensorflow-gpu': 'install it with network access or a local mirror (`npm install @tensorflow/tfjs-node-gpu`; needs CUDA 11.2 + cuDNN 8.1, see README "GPU") or use webgpu',
  webgpu: 'install the optional packages (`npm install webgpu @tensorflow/tfjs-backend-webgpu`) and a GPU driver with Vulkan support',
  tensorflow: 'install it with network access (`npm install @tensorflow/tfjs-node`; its install script downloads libtensorflow) or pick another --backend',
  native: 'build the native kernels (`node scripts/build-native.mjs`, needs a C compiler and node-gyp) or pick another --backend',
  wasm: 'reinstall dependencies (`npm ci`) so @tensorflow/tfjs-backend-wasm is present, or use --backend cpu',
  cpu: 'the cpu backend ships with @tensorflow/tfjs; reinstall dependencies (`npm ci`)',
};

/**
 * Choose and activate the tfjs backend. `auto` walks BACKENDS in order; a forced backend that
 * fails throws `BackendUnavailableError` naming it, the cause and the fix.
 */
export async function chooseBackend(choice: BackendChoice = 'auto', options: BackendOptions = {}): Promise<ChosenBackend> {
  if (choice !== 'auto') {
    const probe = await tryBackend(choice, true, options);
    if (!probe.available) {
      throw new BackendUnavailableError(choice, `backend ${choice} is not available: ${probe.detail}; ${probe.fix ?? FIX[choice]}`);
    }
    const slot = claimSlot(probe, options);
    if (slot.busy) {
      // The limit was asked for: this process gives its place on the GPU to the others.
      const fallback = await chooseFallback(choice, options);
      return { backend: fallback.backend, reason: `${fallback.reason}; ${choice} (forced by --backend) skipped: ${slot.busy}` };
    }
    activateKernels(choice);
    return { backend: choice, reason: `${choice}: forced by --backend (${probe.detail})`, release: slot.release };
  }
  const skipped: string[] = [];
  for (const backend of BACKENDS) {
    const probe = await tryBackend(backend, true, options);
    const slot = probe.available ? claimSlot(probe, options) : {};
    if (probe.available && !slot.busy) {
      activateKernels(backend);
      const why = skipped.length ? `; skipped ${skipped.join('; ')}` : '';
      return { backend, reason: `${backend}: ${probe.detail}${why}`, release: slot.release };
    }
    skipped.push(`${backend}: ${slot.busy ?? probe.detail}`);
  }
  // Unreachable in practice: cpu is part of @tensorflow/tfjs.
  throw new BackendUnavailableError('cpu', `no tfjs backend works here (${skipped.join('; ')}); ${FIX.cpu}`);
}

/** Take one of the GPU's slots when a limit is set; says why not when all are taken. */
function claimSlot(probe: BackendProbe, options: BackendOptions): { release?: () => void; busy?: string } {
  const limit = options.gpuConcurrency;
  if (limit === undefined || !backendTraits(probe.backend).gpu) return {};
  const got = acquireDeviceSlot({ device: probe.device ?? probe.backend, limit, dir: options.slotDir });
  if (got.slot) return { release: () => got.slot.release() };
  return { busy: `all ${limit} of its slots (gpuConcurrency ${limit}) are held by processes ${got.holders.join(', ')}` };
}

/**
 * The first CPU backend after `backend` in the chain that works, activated: where a trial that
 * a GPU backend cannot train runs instead.
 */
export async function chooseFallback(backend: BackendName, options: BackendOptions = {}): Promise<ChosenBackend> {
  const skipped: string[] = [];
  for (const b of BACKENDS.slice(BACKENDS.indexOf(backend) + 1)) {
    if (backendTraits(b).gpu) continue;
    const probe = await tryBackend(b, true, options);
    if (probe.available) {
      activateKernels(b);
      return { backend: b, reason: `${b}: ${probe.detail}${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}` };
    }
    skipped.push(`${b}: ${probe.detail}`);
  }
  throw new BackendUnavailableError('cpu', `no CPU backend works here (${skipped.join('; ')}); ${FIX.cpu}`);
}

/** Make a backend chosen earlier the active one again (after a fallback trial). */
export async function activateBackend(backend: BackendName): Promise<void> {
  if (!(await tf.setBackend(TFJS_NAME[backend]))) throw new BackendUnavailableError(backend, `backend ${backend} worked before but tf.setBackend('${TFJS_NAME[backend]}') now fails; restart the search`);
  activateKernels(backend);
}

/** Every backend with whether it works here and why not (for `sparsenas list backends`). Leaves the active backend as it was. */
export async function probeBackends(options: BackendOptions = {}): Promise<BackendProbe[]> {
  const before = tf.getBackend();
  const out: BackendProbe[] = [];
  for (const backend of BACKENDS) out.push(await tryBackend(backend, false, options));
  if (before && tf.getBackend() !== before) await tf.setBackend(before);
  return out;
}

/**
 * Register the kernels evaluators/kernels provides for the chosen backend: the composed
 * gradients wasm lacks (conv filter/input gradients, depthwise, pool gradients) and, for
 * `native`, the C addon's kernels on top (they fall back to the composed ones).
 */
function activateKernels(backend: BackendName): void {
  installKernels(TFJS_NAME[backend]);
  if (backend === 'native') installNativeKernels();
}

/** Import, activate and run one tiny op on a backend. Never throws. */
async function tryBackend(backend: BackendName, keep: boolean, options: BackendOptions): Promise<BackendProbe> {
  const importer = options.importer ?? ((pkg: string) => import(pkg));
  const unavailable = (detail: string, fix = FIX[backend]): BackendProbe => ({ backend, available: false, detail, fix });
  let detail = describe(backend);
  let device: string | undefined = backend === 'tensorflow-gpu' ? 'cuda' : undefined;
  try {
    if (backend === 'tensorflow-gpu' || backend === 'tensorflow') {
      const pkg = backend === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      const missing = await importOptional(pkg, importer);
      if (missing) return unavailable(backend === 'tensorflow-gpu' ? cudaHint(missing) : missing);
      if (!tf.findBackend('tensorflow')) return unavailable(`${pkg} imported but registered no 'tensorflow' backend (a second copy of @tensorflow/tfjs-core?)`);
    } else if (backend === 'webgpu') {
      const gpu = await setupWebGpu({ allowSoftware: options.allowSoftwareGpu, importer });
      if (!gpu.ok) return unavailable(gpu.detail, gpu.fix);
      detail = `WebGPU through Dawn: ${gpu.line}`;
      device = `webgpu ${gpu.adapter.api} ${gpu.adapter.vendor} ${gpu.adapter.device}`;
    } else if (backend === 'native') {
      const missing = await nativeHook(importer);
      // Disabled on purpose: the fix is to unset the variable, not to build the kernels.
      if (missing?.includes('SPARSENAS_NATIVE=0')) return unavailable(missing, 'unset SPARSENAS_NATIVE (SPARSENAS_NATIVE=0 disables the native kernels) or pick another --backend');
      if (missing) return unavailable(missing);
    } else if (backend === 'wasm') {
      const missing = await importOptional('@tensorflow/tfjs-backend-wasm', importer);
      if (missing) return unavailable(missing);
    }
    const previous = tf.getBackend();
    if (!(await tf.setBackend(TFJS_NAME[backend]))) return unavailable(`tf.setBackend('${TFJS_NAME[backend]}') failed to initialise`);
    // The cpu backend prints an "install tfjs-node" banner on first use; our reason line
    // already says why a faster backend was skipped, and the banner would break the UI.
    if (backend === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    if (backend === 'tensorflow-gpu' && !(tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice) {
      if (!keep && previous) await tf.setBackend(previous);
      return unavailable('@tensorflow/tfjs-node-gpu loaded but libtensorflow found no CUDA device (it would run on the CPU)');
    }
    // A matmul large enough that webgpu runs it on the GPU (it hands small ops to the CPU),
    // read asynchronously as training does.
    const out = tf.tidy(() => tf.matMul(tf.ones([32, 64]), tf.ones([64, 32])));
    const value = (await out.data())[0];
    out.dispose();
    if (value !== 64) return unavailable(`a test matmul returned ${value} instead of 64`);
    if (!keep && previous) await tf.setBackend(previous);
    return { backend, available: true, detail, ...(device ? { device } : {}) };
  } catch (err) {
    return unavailable(`it failed to run a test op: ${oneLine(err)}`);
  }
}

function describe(backend: BackendName): string {
  switch (backend) {
    case 'tensorflow-gpu': return 'libtensorflow with CUDA through @tensorflow/tfjs-node-gpu';
    case 'webgpu': return 'WebGPU through Dawn (the webgpu package) and @tensorflow/tfjs-backend-webgpu';
    case 'tensorflow': return 'libtensorflow on the CPU through @tensorflow/tfjs-node';
    case 'native': return 'wasm with the native AVX-512/AVX2 kernels (evaluators/kernels/native)';
    case 'wasm': return 'WebAssembly with XNNPACK (@tensorflow/tfjs-backend-wasm)';
    case 'cpu': return 'pure JavaScript (slowest)';
  }
}

/**
 * tfjs-node-gpu 4.22 bundles libtensorflow 2.9.1, built for CUDA 11.2 and cuDNN 8.1: on a
 * CUDA-12-only system it fails with "libcudart.so.11.0: cannot open shared object file".
 */
function cudaHint(missing: string): string {
  return /libcu|libcudnn|cuda/i.test(missing) ? `${missing}; libtensorflow 2.9.1 needs CUDA 11.2 and cuDNN 8.1 libraries on the library path` : missing;
}

/** Import a package that may be absent or present but broken; returns why it is unusable, or undefined. */
async function importOptional(pkg: string, importer: (pkg: string) => Promise<unknown>): Promise<string | undefined> {
  try {
    await importer(pkg);
    return undefined;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      if (oneLine(err).includes(pkg)) return `${pkg} is not installed`;
    }
    // e.g. installed with --ignore-scripts: "The specified module could not be found ... tfjs_binding.node"
    return `${pkg} is installed but fails to load (${oneLine(err)})`;
  }
}

/** The native kernels need their addon (built at install) and the wasm backend they plug into. */
async function nativeHook(importer: (pkg: string) => Promise<unknown>): Promise<string | undefined> {
  const status = nativeAvailable();
  if (!status.ok) return status.reason;
  return importOptional('@tensorflow/tfjs-backend-wasm', importer);
}

/** The error on one line: the cause is often on the second (e.g. "tfjs_binding.node can not be found"). */
function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s+/g, ' ').trim().slice(0, 240);
}
