import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildNetwork } from '../../../../evaluators/network/build-network.js';
import { arch, useBackend } from '../../helpers.js';

await useBackend('cpu');

test('batch norm (folded scale and shift) equals tf.batchNorm in training and inference, with the same gradients', () => {
  const before = tf.memory().numTensors;
  const net = buildNetwork(arch([{ type: 'batchNorm' }], {}, 'image'), [3, 3, 2], 2, 1);
  const v = (suffix: string) => net.trainable.find((t) => t.name.endsWith(suffix))!;
  const [gamma, beta, kernel, bias] = [v('bn_0/gamma'), v('bn_0/beta'), v('classifier/kernel'), v('classifier/bias')];
  tf.tidy(() => { gamma.assign(tf.tensor1d([1.5, -0.5])); beta.assign(tf.tensor1d([0.2, 0.7])); });
  const x = tf.randomNormal([4, 3, 3, 2], 1, 2, 'float32', 7);
  const reference = (training: boolean) => {
    const m = training ? tf.moments(x, [0, 1, 2]) : { mean: tf.zeros([2]), variance: tf.ones([2]) };
    return tf.add(tf.matMul(tf.reshape(tf.batchNorm(x, m.mean, m.variance, beta, gamma, 1e-5), [4, -1]), kernel), bias);
  };
  for (const training of [true, false]) {
    const loss = (f: () => tf.Tensor) => () => tf.sum(tf.square(f())) as tf.Scalar;
    const ours = tf.variableGrads(loss(() => net.apply(x, { training })), [gamma, beta]);
    net.discardBatchNorm();
    const theirs = tf.variableGrads(loss(() => reference(training)), [gamma, beta]);
    assert.ok(Math.abs(ours.value.dataSync()[0]! - theirs.value.dataSync()[0]!) < 1e-3 * Math.abs(theirs.value.dataSync()[0]!));
    for (const name of Object.keys(theirs.grads)) {
      const d = tf.tidy(() => tf.max(tf.abs(tf.sub(ours.grads[name]!, theirs.grads[name]!))).dataSync()[0]!);
      assert.ok(d < 1e-3, `training=${training} ∂/∂${name} differs by ${d}`);
    }
    tf.dispose([ours.value, theirs.value, ...Object.values(ours.grads), ...Object.values(theirs.grads)]);
  }
  x.dispose();
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
});
