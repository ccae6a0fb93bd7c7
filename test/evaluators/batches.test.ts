import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { DeviceSplits, makeBatch } from '../../evaluators/batches.js';
import { syntheticDataset } from '../../evaluators/synthetic-dataset.js';

await tf.setBackend('cpu');

test('batches gathered from splits kept on the device equal those copied from the host; dispose frees the splits', async () => {
  const ds = syntheticDataset({ shape: [4, 4, 1], classes: 3, train: 40, validation: 10, test: 5 }, 1);
  const before = tf.memory().numTensors;
  const splits = new DeviceSplits(ds.shape, ds.classes, [ds.train, ds.validation]);
  assert.equal(tf.memory().numTensors, before + 4, 'x and labels of two splits');
  for (const [split, idx] of [[ds.train, [39, 0, 7, 7]], [ds.validation, [3, 1]], [ds.test, [4, 0]]] as const) {
    const host = makeBatch(split, ds.shape, ds.classes, idx);
    const device = splits.batch(split, idx);
    for (const k of ['x', 'y', 'labels'] as const) {
      assert.deepEqual(device[k].shape, host[k].shape);
      assert.deepEqual(Array.from(await device[k].data()), Array.from(await host[k].data()), k);
    }
    tf.dispose([host.x, host.y, host.labels, device.x, device.y, device.labels]);
  }
  splits.dispose();
  assert.equal(tf.memory().numTensors, before);
  const small = new DeviceSplits(ds.shape, ds.classes, [ds.train, ds.validation], ds.validation.x.byteLength);
  assert.equal(small.size, 1, 'a split over the device buffer limit stays on the host');
  small.dispose();
});
