import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adapterLine, adapterRoutes, describeAdapter, findAdapter, type DawnModule, type GpuAdapterInfo } from '../../../evaluators/webgpu/adapter.js';
import { setupWebGpu } from '../../../evaluators/webgpu/setup.js';

const vulkan = { backend: 'vulkan', api: 'Vulkan', featureLevel: 'core' } as const;
const gles = { backend: 'opengles', api: 'OpenGL ES', featureLevel: 'compatibility' } as const;
const info = (device: string, extra: Partial<GpuAdapterInfo> = {}): GpuAdapterInfo => ({ vendor: '', architecture: '', device, description: '', ...extra });

test('software adapters are recognised by Dawn\'s fallback flag or by name', () => {
  assert.equal(describeAdapter(info('llvmpipe-llvm-15-0-6-256-bits-'), gles).software, true);
  assert.equal(describeAdapter(info('SwiftShader Device (Subzero)'), vulkan).software, true);
  assert.equal(describeAdapter(info('x', { isFallbackAdapter: true }), vulkan).software, true);
  const h200 = describeAdapter(info('NVIDIA H200', { vendor: 'nvidia', architecture: 'hopper', description: '550.54.15' }), vulkan);
  assert.equal(h200.software, false);
  assert.equal(adapterLine(h200), 'Vulkan, vendor nvidia, architecture hopper, device "NVIDIA H200", driver "550.54.15"');
  assert.match(adapterLine(describeAdapter(info('llvmpipe'), gles)), /^OpenGL ES \(compatibility mode\), device "llvmpipe", software adapter$/);
});

test('routes: the platform\'s GPU API first, GL ES (compatibility) last on Linux', () => {
  assert.deepEqual(adapterRoutes('linux').map((r) => r.backend), ['vulkan', 'opengles']);
  assert.deepEqual(adapterRoutes('darwin').map((r) => r.backend), ['metal']);
  assert.deepEqual(adapterRoutes('win32').map((r) => r.backend), ['d3d12', 'vulkan']);
});

/** A fake Dawn whose routes answer with the given device names (null: no adapter). */
function fakeDawn(answers: Record<string, string | null>): DawnModule & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked, globals: {},
    create(flags) {
      const backend = flags[0]!.replace('backend=', '');
      return {
        async requestAdapter(options) {
          asked.push(`${backend}/${options?.featureLevel}`);
          const name = answers[backend];
          return name == null ? null : { info: info(name), features: new Set(), limits: {}, requestDevice: async () => { throw new Error('not in this test'); } };
        },
      };
    },
  };
}

test('findAdapter keeps the first hardware adapter and a software one only when nothing better exists', async () => {
  const env = {};
  const hasLibrary = () => true;
  const hw = await findAdapter(fakeDawn({ vulkan: 'NVIDIA H200', opengles: 'llvmpipe' }), { routes: [gles, vulkan], env, wantSoftware: true, hasLibrary });
  assert.equal(hw.found?.description.device, 'NVIDIA H200');
  assert.match(hw.notes.join(), /OpenGL ES: only a software adapter \(llvmpipe\)/);
  const dawn = fakeDawn({ vulkan: null, opengles: 'llvmpipe' });
  const sw = await findAdapter(dawn, { routes: [vulkan, gles], env, wantSoftware: true, hasLibrary });
  assert.equal(sw.found?.description.software, true);
  assert.ok(dawn.asked.includes('opengles/compatibility'), 'GL adapters exist only at the compatibility feature level');
  const none = await findAdapter(fakeDawn({}), { routes: [vulkan], env, hasLibrary });
  assert.equal(none.found, undefined);
  assert.match(none.notes[0]!, /^Vulkan: no adapter \(the Vulkan loader found no driver/);
  const noLoader = await findAdapter(fakeDawn({ vulkan: 'NVIDIA H200' }), { routes: [vulkan, gles], env, hasLibrary: (f) => f === 'libEGL.so.1' });
  assert.deepEqual(noLoader.notes, ['Vulkan: no Vulkan loader (libvulkan.so.1)', 'OpenGL ES: Dawn loads the unversioned libEGL.so, which is missing (Debian: apt-get install libegl-dev)']);
});

test('a missing webgpu package is reported with what to install, and nothing is registered', async () => {
  const importer = async (pkg: string) => { throw Object.assign(new Error(`Cannot find package '${pkg}' imported from x`), { code: 'ERR_MODULE_NOT_FOUND' }); };
  const r = await setupWebGpu({ importer });
  assert.deepEqual(r.ok ? 'ok' : [r.detail, /npm install webgpu @tensorflow\/tfjs-backend-webgpu/.test(r.fix)], ['the webgpu package (Dawn) is not installed', true]);
});
