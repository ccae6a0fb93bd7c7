import * as tf from '@tensorflow/tfjs';
import { adapterLine, findAdapter, type AdapterDescription, type DawnModule, type FoundAdapter, type GpuAdapter } from './adapter.js';
import { downloadToHost, installSyncReadGuard, WebGpuDeviceError, type DeviceHooks } from './host-reads.js';

export interface WebGpuOptions {
  /** Use a software adapter (llvmpipe, SwiftShader) when no hardware one exists. Default false. */
  allowSoftware?: boolean;
  /** How the optional packages are imported (tests inject a failing one). */
  importer?: (pkg: string) => Promise<unknown>;
}

export type WebGpuSetup =
  | { ok: true; adapter: AdapterDescription; line: string }
  | { ok: false; detail: string; fix: string };

interface WebGpuBackendModule {
  WebGPUBackend: new (device: unknown, adapterInfo?: unknown) => tf.KernelBackend;
}

/** Dawn is asked once per process (per answer wanted), and every later probe reuses the answer. */
const found = new Map<boolean, Promise<{ found?: FoundAdapter; notes: string[] } | { missing: string }>>();

const DRIVER = 'install the GPU driver with Vulkan (Debian: libvulkan1 and nvidia-driver, or mesa-vulkan-drivers)';
const INSTALL = 'install the optional packages (`npm install webgpu @tensorflow/tfjs-backend-webgpu`; both ship prebuilt and install offline)';

/**
 * Make tfjs' `webgpu` backend available on Dawn in Node. The stock registration in
 * @tensorflow/tfjs-backend-webgpu runs only when `navigator.gpu` exists at import, asks for
 * a core-level adapter (so never a GL one) and passes `requiredFeatures` as a nested array that
 * Dawn rejects; instead the adapter is chosen here (hardware first, see adapter.ts) and the
 * backend is registered with a device made from it. Dawn's classes (`GPUBufferUsage`...) must
 * be globals before the backend module loads: its kernels read them at import.
 * Never throws; says why not and what to install.
 */
export async function setupWebGpu(options: WebGpuOptions = {}): Promise<WebGpuSetup> {
  const importer = options.importer ?? ((pkg: string) => import(pkg));
  // Dawn is asked once per process; an injected importer (tests) always asks afresh.
  const wantSoftware = options.allowSoftware === true;
  let search = options.importer ? undefined : found.get(wantSoftware);
  if (!search) {
    search = locate(importer, wantSoftware);
    if (!options.importer) found.set(wantSoftware, search);
  }
  const result = await search;
  if ('missing' in result) return { ok: false, detail: result.missing, fix: INSTALL };
  const { found: chosen, notes } = result;
  if (!chosen) {
    return { ok: false, detail: `no hardware WebGPU adapter (${notes.join('; ')})`, fix: `${DRIVER}, or pass --allow-software-gpu for Mesa's software one (correctness checks)` };
  }
  const { description } = chosen;
  const line = adapterLine(description);
  if (description.software && !options.allowSoftware) {
    const why = notes.filter((n) => !n.includes('only a software adapter'));
    return {
      ok: false,
      detail: `only a software adapter (${description.api} on ${description.device || description.driver}), refused: a CPU rasteriser is slower than the CPU backends${why.length ? `; ${why.join('; ')}` : ''}`,
      fix: `${DRIVER}, or pass --allow-software-gpu to use it anyway (correctness checks)`,
    };
  }
  try {
    const backendModule = (await importer('@tensorflow/tfjs-backend-webgpu')) as WebGpuBackendModule;
    registerWebGpu(backendModule, chosen);
  } catch (err) {
    return { ok: false, detail: `@tensorflow/tfjs-backend-webgpu failed to load (${oneLine(err)})`, fix: INSTALL };
  }
  return { ok: true, adapter: description, line };
}

async function locate(importer: (pkg: string) => Promise<unknown>, wantSoftware: boolean) {
  let dawn: DawnModule;
  try {
    dawn = (await importer('webgpu')) as DawnModule;
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { missing: code === 'ERR_MODULE_NOT_FOUND' && oneLine(err).includes("'webgpu'") ? 'the webgpu package (Dawn) is not installed' : `the webgpu package (Dawn) fails to load (${oneLine(err)})` };
  }
  Object.assign(globalThis, dawn.globals);
  return findAdapter(dawn, { wantSoftware });
}

let registered: FoundAdapter | undefined;

function registerWebGpu(mod: WebGpuBackendModule, chosen: FoundAdapter): void {
  if (registered === chosen && tf.findBackendFactory('webgpu')) return;
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  installSyncReadGuard(mod.WebGPUBackend.prototype);
  // WebGPUBackend's constructor checks `navigator.gpu`. Set after the module loaded, so its
  // own registration (which would pick a different adapter) never ran.
  const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as { gpu?: unknown };
  Object.defineProperty(nav, 'gpu', { value: chosen.gpu, configurable: true, writable: true });
  const { adapter } = chosen;
  bufferLimit = Math.min(adapter.limits['maxStorageBufferBindingSize'] ?? Infinity, adapter.limits['maxBufferSize'] ?? Infinity);
  tf.registerBackend('webgpu', async () => {
    // Every limit at the adapter's own value: WebGPU's defaults are lower (8 storage buffers
    // per shader stage, where tfjs' AddN binds one per input) and tfjs' registration raises
    // only the buffer sizes.
    const device = await adapter.requestDevice({ requiredFeatures: [], requiredLimits: adapterLimits(adapter) });
    // Dawn would print each error and carry on; the training loop asks `check()` instead.
    device.onuncapturederror = (event) => {
      deviceErrors.count++;
      deviceErrors.first ??= event.error.message.split('\n')[0]!;
    };
    return new mod.WebGPUBackend(device, adapter.info);
  }, 0);
  registered = chosen;
}

const deviceErrors: { count: number; first?: string } = { count: 0 };
let bufferLimit = Infinity;

/** The largest tensor, in bytes, one storage buffer of the registered adapter may hold. */
export function webGpuBufferLimit(): number {
  return bufferLimit;
}

/** The training loop's hooks for the webgpu backend. */
export const webGpuHooks: DeviceHooks = {
  toHost: downloadToHost,
  check() {
    if (!deviceErrors.count) return;
    const error = new WebGpuDeviceError(deviceErrors.first ?? 'unknown error', deviceErrors.count);
    deviceErrors.count = 0;
    deviceErrors.first = undefined;
    throw error;
  },
};

function adapterLimits(adapter: GpuAdapter): Record<string, number> {
  const out: Record<string, number> = {};
  // GPUSupportedLimits exposes its members as prototype getters: walk them, not own keys.
  for (let o: object | null = adapter.limits; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const key of Object.getOwnPropertyNames(o)) {
      const v = (adapter.limits as Record<string, unknown>)[key];
      if (typeof v === 'number' && !(key in out)) out[key] = v;
    }
  }
  return out;
}

function oneLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.replace(/\s+/g, ' ').trim().slice(0, 240);
}
