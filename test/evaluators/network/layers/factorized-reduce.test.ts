import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { buildNetwork } from '../../../../evaluators/network/build-network.js';
import { arch, useBackend } from '../../helpers.js';

await useBackend('cpu');

test('FactorizedReduce is conv_1(x) ‖ conv_2(x[1:, 1:]) at stride 2, on even and odd sizes, values and gradients', () => {
  for (const shape of [[6, 6, 3], [7, 5, 3]]) {
    const before = tf.memory().numTensors;
    const net = buildNetwork(arch([{ type: 'factorizedReduce', filters: 4 }], {}, 'image'), shape, 2, 3);
    const k = (name: string) => net.params.find((p) => p.name === name)!.weight;
    const clf = net.params.find((p) => p.name === 'classifier')!.weight;
    const x = tf.randomNormal([2, ...shape], 0, 1, 'float32', 5);
    // The reference: DARTS' slice, with a zero row/column only where the size is odd.
    const reference = (input: tf.Tensor) => {
      const [h, w] = shape as [number, number];
      const shifted = tf.pad(tf.slice(input, [0, 1, 1, 0], [-1, -1, -1, -1]), [[0, 0], [0, h % 2], [0, w % 2], [0, 0]]);
      const out = tf.concat([tf.conv2d(input as tf.Tensor4D, k('fr_0.conv_1') as tf.Tensor4D, 2, 'valid'), tf.conv2d(shifted as tf.Tensor4D, k('fr_0.conv_2') as tf.Tensor4D, 2, 'valid')], 3);
      return tf.matMul(tf.reshape(out, [2, -1]), clf);
    };
    const ours = (input: tf.Tensor) => tf.sub(net.apply(input, { training: false }), net.trainable.find((v) => v.name.endsWith('classifier/bias'))!);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ours(x), reference(x)))).dataSync()[0]!);
    assert.ok(diff < 1e-5, `${shape}: ${diff}`);
    const g = (f: (i: tf.Tensor) => tf.Tensor) => tf.tidy(() => tf.grad((i: tf.Tensor) => tf.sum(tf.square(f(i))))(x).arraySync());
    const gradDiff = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.tensor(g(ours)), tf.tensor(g(reference))))).dataSync()[0]!);
    assert.ok(gradDiff < 1e-4, `${shape}: ∂/∂x differs by ${gradDiff}`);
    x.dispose();
    net.dispose();
    assert.equal(tf.memory().numTensors, before);
  }
});

