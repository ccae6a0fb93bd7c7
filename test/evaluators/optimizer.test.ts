import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createOptimizer, setLearningRate } from '../../evaluators/optimizer.js';
import { TRAINING, useBackend } from './helpers.js';

await useBackend('wasm');

test('every optimiser releases all its tensors on dispose, after steps and learning-rate changes (tfjs momentum kept its −lr scalar)', () => {
  for (const optimizer of ['sgd', 'momentum', 'adam', 'rmsprop'] as const) {
    const w = tf.variable(tf.zeros([3]), true, `opt-test-${optimizer}`);
    const before = tf.memory().numTensors;
    const o = createOptimizer({ ...TRAINING, optimizer, learningRate: 0.1 });
    for (const lr of [0.1, 0.05]) {
      setLearningRate(o, lr);
      tf.tidy(() => o.applyGradients({ [w.name]: tf.ones([3]) }));
    }
    o.dispose();
    assert.equal(tf.memory().numTensors, before, `${optimizer} leaks no tensor`);
    assert.ok(w.dataSync()[0] !== 0, `${optimizer} stepped`);
    w.dispose();
  }
});
