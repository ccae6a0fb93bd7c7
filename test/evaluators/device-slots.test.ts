import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDeviceSlot, type DeviceSlot } from '../../evaluators/device-slots.js';

test('at most `limit` slots per device; a full device names the holders; a release frees one', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slots-'));
  try {
    const a = acquireDeviceSlot({ device: 'webgpu Vulkan nvidia H200', limit: 2, dir });
    const b = acquireDeviceSlot({ device: 'webgpu Vulkan nvidia H200', limit: 2, dir });
    assert.ok(a.slot && b.slot && a.slot.path !== b.slot.path);
    const c = acquireDeviceSlot({ device: 'webgpu Vulkan nvidia H200', limit: 2, dir });
    assert.deepEqual(c.slot ? 'got one' : c.holders, [process.pid, process.pid]);
    assert.ok(acquireDeviceSlot({ device: 'another GPU', limit: 1, dir }).slot, 'slots are per device');
    (a.slot as DeviceSlot).release();
    const d = acquireDeviceSlot({ device: 'webgpu Vulkan nvidia H200', limit: 2, dir });
    assert.equal(d.slot?.path, a.slot!.path);
    for (const s of [b.slot, d.slot]) s?.release();
    assert.deepEqual(readdirSync(join(dir, 'webgpu_Vulkan_nvidia_H200')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a slot whose process is gone (a killed worker) is taken over', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slots-'));
  try {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const first = acquireDeviceSlot({ device: 'gpu', limit: 1, dir });
    first.slot!.release();
    writeFileSync(first.slot!.path, dead);
    const again = acquireDeviceSlot({ device: 'gpu', limit: 1, dir });
    assert.ok(again.slot, `slot held by the exited pid ${dead} is free`);
    again.slot.release();
    assert.throws(() => acquireDeviceSlot({ device: 'gpu', limit: 0, dir }), /gpuConcurrency must be a positive integer, got 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
