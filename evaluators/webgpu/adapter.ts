import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Finding a WebGPU adapter through Dawn's Node bindings (the npm package `webgpu`). Only the
 * few members used here are typed: the package is optional, so its types cannot be imported.
 */
export interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}
export interface GpuAdapter {
  readonly info: GpuAdapterInfo;
  readonly features: ReadonlySet<string>;
  readonly limits: Record<string, number>;
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<GpuDevice>;
}
export interface GpuDevice {
  destroy(): void;
  readonly lost: Promise<{ reason: string; message: string }>;
  onuncapturederror: ((event: { error: { message: string } }) => void) | null;
}
export interface Gpu {
  requestAdapter(options?: { powerPreference?: string; featureLevel?: string }): Promise<GpuAdapter | null>;
}
/** `create` and `globals` of the `webgpu` package. */
export interface DawnModule {
  create(flags: string[]): Gpu;
  globals: object;
}

/** One way of asking Dawn for an adapter: its native API and WebGPU feature level. */
export interface AdapterRoute {
  /** Dawn's `backend=` flag. */
  backend: 'vulkan' | 'metal' | 'd3d12' | 'opengles';
  /** How the adapter line names it. */
  api: string;
  /** GL adapters only exist at the `compatibility` feature level (WebGPU compat mode). */
  featureLevel: 'core' | 'compatibility';
}

/** What runs, for the backend's reason line and the GPU check's JSON. */
export interface AdapterDescription {
  api: string;
  vendor: string;
  architecture: string;
  device: string;
  driver: string;
  featureLevel: 'core' | 'compatibility';
  /** A CPU rasteriser posing as a GPU (llvmpipe, lavapipe, SwiftShader, WARP). */
  software: boolean;
}

export interface FoundAdapter {
  /** The Dawn instance the adapter came from (tfjs checks `navigator.gpu`). */
  gpu: Gpu;
  adapter: GpuAdapter;
  description: AdapterDescription;
}

export interface FindOptions {
  routes?: AdapterRoute[];
  env?: NodeJS.ProcessEnv;
  /** Ask routes that can only give a software adapter too. */
  wantSoftware?: boolean;
  /** Whether a shared library is on the library path (tests fake it). */
  hasLibrary?: (file: string) => boolean;
}

export interface AdapterSearch {
  /** The first adapter found (hardware preferred), or undefined. */
  found?: FoundAdapter;
  /** Why each route gave nothing (or gave only a software adapter). */
  notes: string[];
}

/** Native APIs in order of preference for this platform: the real GPU APIs first, GL ES last. */
export function adapterRoutes(platform: NodeJS.Platform = process.platform): AdapterRoute[] {
  const vulkan: AdapterRoute = { backend: 'vulkan', api: 'Vulkan', featureLevel: 'core' };
  if (platform === 'darwin') return [{ backend: 'metal', api: 'Metal', featureLevel: 'core' }];
  if (platform === 'win32') return [{ backend: 'd3d12', api: 'D3D12', featureLevel: 'core' }, vulkan];
  return [vulkan, { backend: 'opengles', api: 'OpenGL ES', featureLevel: 'compatibility' }];
}

const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|software|microsoft basic render|\bwarp\b/i;

export function describeAdapter(info: GpuAdapterInfo, route: AdapterRoute): AdapterDescription {
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`;
  return {
    api: route.api, vendor: info.vendor, architecture: info.architecture, device: info.device, driver: info.description,
    featureLevel: route.featureLevel, software: info.isFallbackAdapter === true || SOFTWARE.test(text),
  };
}

/** One line: `Vulkan, vendor nvidia, architecture hopper, device "NVIDIA H200", driver "550.54.15"`. */
export function adapterLine(d: AdapterDescription): string {
  const parts = [`${d.api}${d.featureLevel === 'compatibility' ? ' (compatibility mode)' : ''}`];
  if (d.vendor) parts.push(`vendor ${d.vendor}`);
  if (d.architecture) parts.push(`architecture ${d.architecture}`);
  parts.push(`device "${d.device || 'unnamed'}"`);
  if (d.driver) parts.push(`driver "${d.driver}"`);
  if (d.software) parts.push('software adapter');
  return parts.join(', ');
}

/**
 * Ask each route for an adapter and keep the first hardware one; a software adapter is kept
 * only when nothing better exists (the caller decides whether to use it).
 */
export async function findAdapter(dawn: DawnModule, options: FindOptions = {}): Promise<AdapterSearch> {
  const { routes = adapterRoutes(), env = process.env, wantSoftware = false } = options;
  const hasLibrary = options.hasLibrary ?? libraryFinder(env);
  const notes: string[] = [];
  let software: FoundAdapter | undefined;
  for (const route of routes) {
    const missing = missingLibrary(route, hasLibrary);
    if (missing) { notes.push(`${route.api}: ${missing}`); continue; }
    // Asking would only find llvmpipe, and Dawn prints warnings about its limits on stderr.
    if (route.backend === 'opengles' && !wantSoftware && mesaSoftwareOnly(env)) {
      notes.push(`${route.api}: only Mesa's software rasteriser here (no /dev/dri render node, no GPU vendor's EGL), not asked`);
      continue;
    }
    // Headless servers have no X or Wayland display: EGL's surfaceless platform needs none.
    if (route.backend === 'opengles' && env['EGL_PLATFORM'] === undefined) env['EGL_PLATFORM'] = 'surfaceless';
    let adapter: GpuAdapter | null = null;
    let gpu: Gpu;
    try {
      gpu = dawn.create([`backend=${route.backend}`]);
      adapter = await gpu.requestAdapter({ powerPreference: 'high-performance', featureLevel: route.featureLevel });
    } catch (err) {
      notes.push(`${route.api}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      continue;
    }
    if (!adapter) { notes.push(`${route.api}: no adapter (${noAdapterHint(route)})`); continue; }
    const description = describeAdapter(adapter.info, route);
    if (!description.software) return { found: { gpu, adapter, description }, notes };
    notes.push(`${route.api}: only a software adapter (${description.device || description.driver})`);
    software ??= { gpu, adapter, description };
  }
  return { found: software, notes };
}

/**
 * Dawn loads its native API libraries with dlopen and prints a warning when one is missing;
 * looking first gives a clearer reason and keeps stderr quiet.
 * Vulkan: the loader `libvulkan.so.1`. GL ES: Dawn opens the unversioned `libEGL.so`, which
 * Debian ships in `libegl-dev`, not in `libegl1`.
 */
function missingLibrary(route: AdapterRoute, has: (file: string) => boolean): string | undefined {
  if (route.backend === 'vulkan' && !has('libvulkan.so.1')) {
    return 'no Vulkan loader (libvulkan.so.1)';
  }
  if (route.backend === 'opengles' && !has('libEGL.so')) {
    return has('libEGL.so.1')
      ? 'Dawn loads the unversioned libEGL.so, which is missing (Debian: apt-get install libegl-dev)'
      : 'no EGL (libEGL.so): Debian: apt-get install libegl-dev libegl-mesa0 libgl1-mesa-dri';
  }
  return undefined;
}

/**
 * True when EGL can only be Mesa without a GPU: no DRM render node (`/dev/dri/renderD*`) and
 * no EGL vendor but Mesa registered with glvnd, so Mesa would answer with llvmpipe.
 */
function mesaSoftwareOnly(env: NodeJS.ProcessEnv): boolean {
  if (process.platform !== 'linux' || env['__EGL_VENDOR_LIBRARY_FILENAMES'] || env['__EGL_VENDOR_LIBRARY_DIRS']) return false;
  const list = (dir: string) => { try { return readdirSync(dir); } catch { return []; } };
  if (list('/dev/dri').some((f) => f.startsWith('renderD'))) return false;
  const vendors = [...list('/usr/share/glvnd/egl_vendor.d'), ...list('/etc/glvnd/egl_vendor.d')].filter((f) => f.endsWith('.json'));
  return vendors.every((v) => /mesa/i.test(v));
}

function libraryFinder(env: NodeJS.ProcessEnv): (file: string) => boolean {
  if (process.platform !== 'linux') return () => true;
  const dirs = [...(env['LD_LIBRARY_PATH'] ?? '').split(':').filter(Boolean), ...LIB_DIRS];
  return (file) => dirs.some((d) => existsSync(join(d, file)));
}

const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64', '/lib', '/usr/local/lib'];

function noAdapterHint(route: AdapterRoute): string {
  switch (route.backend) {
    case 'vulkan': return 'the Vulkan loader found no driver; install the GPU vendor\'s Vulkan driver';
    case 'opengles': return 'EGL found no display; set EGL_PLATFORM (surfaceless is the default here) or install Mesa (libegl-mesa0 libgl1-mesa-dri)';
    default: return 'no supported GPU';
  }
}
