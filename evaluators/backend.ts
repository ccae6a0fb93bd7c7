import * as tf from '@tensorflow/tfjs';
import { BackendUnavailableError } from './errors.js';
import { installKernels } from './kernels/index.js';
import { installNativeKernels, nativeAvailable } from './kernels/native/index.js';

/** Backends from fastest to slowest; `auto` takes the first one that works. */
export const BACKENDS = ['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendChoice = BackendName | 'auto';

export interface BackendProbe {
  backend: BackendName;
  available: boolean;
  /** Why not (when unavailable), or what runs (when available). */
  detail: string;
  /** What to do to make it available. */
  fix?: string;
}

export interface BackendOptions {
  /** How optional packages are imported (tests inject a failing one). Default: dynamic `import()`. */
  importer?: (pkg: string) => Promise<unknown>;
}

export interface ChosenBackend {
  backend: BackendName;
  /** One line: why this one, and why each faster one was skipped. */
  reason: string;
}

/**
 * The tfjs backend each of ours runs on: both tfjs-node packages register `tensorflow`;
 * `native` is the wasm backend with its heavy kernels replaced by the C addon.
 */
export const TFJS_NAME: Record<BackendName, string> = {
  'tensorflow-gpu': 'tensorflow', tensorflow: 'tensorflow', native: 'wasm', wasm: 'wasm', cpu: 'cpu',
};

const FIX: Record<BackendName, string> = {
  'tensorflow-gpu': 'install it with network access (`npm install @tensorflow/tfjs-node-gpu`, needs CUDA) or pick another --backend',
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
    activateKernels(choice);
    return { backend: choice, reason: `${choice}: forced by --backend (${probe.detail})` };
  }
  const skipped: string[] = [];
  for (const backend of BACKENDS) {
    const probe = await tryBackend(backend, true, options);
    if (probe.available) {
      activateKernels(backend);
      const why = skipped.length ? `; skipped ${skipped.join('; ')}` : '';
      return { backend, reason: `${backend}: ${probe.detail}${why}` };
    }
    skipped.push(`${backend}: ${probe.detail}`);
  }
  // Unreachable in practice: cpu is part of @tensorflow/tfjs.
  throw new BackendUnavailableError('cpu', `no tfjs backend works here (${skipped.join('; ')}); ${FIX.cpu}`);
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
  const unavailable = (detail: string): BackendProbe => ({ backend, available: false, detail, fix: FIX[backend] });
  try {
    if (backend === 'tensorflow-gpu' || backend === 'tensorflow') {
      const pkg = backend === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      const missing = await importOptional(pkg, importer);
      if (missing) return unavailable(missing);
      if (!tf.findBackend('tensorflow')) return unavailable(`${pkg} imported but registered no 'tensorflow' backend (a second copy of @tensorflow/tfjs-core?)`);
    } else if (backend === 'native') {
      const missing = await nativeHook(importer);
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
    const value = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]);
    if (value !== 3) return unavailable(`a test op returned ${value} instead of 3`);
    if (!keep && previous) await tf.setBackend(previous);
    return { backend, available: true, detail: describe(backend) };
  } catch (err) {
    return unavailable(`it failed to run a test op: ${oneLine(err)}`);
  }
}

function describe(backend: BackendName): string {
  switch (backend) {
    case 'tensorflow-gpu': return 'libtensorflow with CUDA through @tensorflow/tfjs-node-gpu';
    case 'tensorflow': return 'libtensorflow on the CPU through @tensorflow/tfjs-node';
    case 'native': return 'wasm with the native AVX-512/AVX2 kernels (evaluators/kernels/native)';
    case 'wasm': return 'WebAssembly with XNNPACK (@tensorflow/tfjs-backend-wasm)';
    case 'cpu': return 'pure JavaScript (slowest)';
  }
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
