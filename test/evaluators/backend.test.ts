import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { BACKENDS, TFJS_NAME, chooseBackend, probeBackends } from '../../evaluators/backend.js';
import { BackendUnavailableError } from '../../evaluators/errors.js';

test('probeBackends lists every backend, cpu and wasm work, and the active backend is kept', async () => {
  await tf.setBackend('cpu');
  const probes = await probeBackends();
  assert.deepEqual(probes.map((p) => p.backend), [...BACKENDS]);
  assert.ok(probes.find((p) => p.backend === 'cpu')!.available);
  assert.ok(probes.find((p) => p.backend === 'wasm')!.available);
  for (const p of probes.filter((x) => !x.available)) {
    assert.ok(p.detail.length > 0 && p.fix, `${p.backend} says why and how to fix`);
  }
  assert.equal(tf.getBackend(), 'cpu');
});

test('auto takes the fastest available backend and says why faster ones were skipped', async () => {
  const probes = await probeBackends();
  const first = probes.find((p) => p.available)!;
  const chosen = await chooseBackend('auto');
  assert.equal(chosen.backend, first.backend);
  assert.equal(tf.getBackend(), TFJS_NAME[first.backend]);
  for (const p of probes.slice(0, probes.indexOf(first))) assert.ok(chosen.reason.includes(`${p.backend}: ${p.detail}`), chosen.reason);
});

test('a forced backend that cannot run throws BackendUnavailableError naming it, the cause and the fix', async () => {
  const probes = await probeBackends();
  const missing = probes.find((p) => !p.available);
  if (!missing) return; // every backend works on this machine: nothing to force-fail
  await assert.rejects(chooseBackend(missing.backend), (err: unknown) =>
    err instanceof BackendUnavailableError && err.code === 'BACKEND_UNAVAILABLE' && err.backend === missing.backend
      && err.message.includes(`backend ${missing.backend} is not available`) && err.message.includes(missing.fix!));
  const forced = await chooseBackend('cpu');
  assert.deepEqual([forced.backend, tf.getBackend()], ['cpu', 'cpu']);
});

test('a native tfjs package that is installed but broken is reported as such, and auto moves on', async () => {
  const importer = async (pkg: string) => {
    if (pkg === '@tensorflow/tfjs-node-gpu') throw Object.assign(new Error(`Cannot find package '${pkg}' imported from x`), { code: 'ERR_MODULE_NOT_FOUND' });
    if (pkg === '@tensorflow/tfjs-node') throw new Error('The specified module could not be found.\n.../tfjs_binding.node can not be found');
    return import(pkg);
  };
  const probes = await probeBackends({ importer });
  const probe = (name: string) => probes.find((p) => p.backend === name)!;
  assert.equal(probe('tensorflow-gpu').detail, '@tensorflow/tfjs-node-gpu is not installed');
  assert.match(probe('tensorflow').detail, /^@tensorflow\/tfjs-node is installed but fails to load \(The specified module could not be found\. \.\.\.\/tfjs_binding\.node can not be found\)$/);
  const chosen = await chooseBackend('auto', { importer });
  assert.ok(chosen.backend === 'native' || chosen.backend === 'wasm', chosen.backend);
  assert.match(chosen.reason, /tensorflow: @tensorflow\/tfjs-node is installed but fails to load/);
  await assert.rejects(chooseBackend('tensorflow', { importer }), /backend tensorflow is not available: @tensorflow\/tfjs-node is installed but fails to load/);
});
