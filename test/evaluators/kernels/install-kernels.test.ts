import assert from 'node:assert/strict';
import { afterEach, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { COMPOSED, installKernels, installedKernels, uninstallKernels, type KernelImpl } from '../../../evaluators/kernels/index.js';

describe('installKernels', () => {
  before(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });
  afterEach(() => installKernels('wasm'));

  it('registers the missing wasm gradients and is idempotent', () => {
    uninstallKernels('wasm');
    assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined, 'stock wasm lacks Conv2DBackpropFilter');
    const first = installKernels('wasm');
    const config = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    const second = installKernels('wasm');
    assert.deepEqual(second, first);
    assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), config, 'second call re-registered a kernel');
    for (const name of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'BatchMatMul']) {
      assert.ok(first.includes(name), `${name} not installed`);
    }
  });

  it('uninstallKernels restores the stock kernels', () => {
    const stockMatMul = (uninstallKernels('wasm'), tf.getKernel('BatchMatMul', 'wasm'));
    installKernels('wasm');
    assert.notEqual(tf.getKernel('BatchMatMul', 'wasm'), stockMatMul);
    uninstallKernels('wasm');
    assert.equal(tf.getKernel('BatchMatMul', 'wasm'), stockMatMul);
    assert.equal(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm'), undefined);
  });

  it('prefers the requested source and falls back when it is dropped', () => {
    const fake: KernelImpl = {
      kernelName: 'BatchMatMul', backendName: 'wasm', source: 'native', reason: 'test double',
      kernelFunc: () => { throw new Error('native called'); },
    };
    installKernels('wasm', { extra: [fake], prefer: ['native', COMPOSED] });
    assert.equal(installedKernels('wasm').get('BatchMatMul')?.source, 'native');
    assert.throws(() => tf.tidy(() => tf.matMul(tf.ones([2, 2]), tf.ones([2, 2]))), /native called/);
    installKernels('wasm', { extra: [fake], prefer: COMPOSED });
    assert.equal(installedKernels('wasm').get('BatchMatMul')?.source, COMPOSED);
    installKernels('wasm');
    assert.equal(installedKernels('wasm').get('BatchMatMul')?.source, COMPOSED);
  });

  it('installs nothing for a backend it has no kernels for', () => {
    assert.deepEqual(installKernels('webgl'), []);
  });
});
