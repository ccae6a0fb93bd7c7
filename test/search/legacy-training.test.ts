import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDefinition, upgradeLegacyDefinition, upgradeLegacyTraining } from '../../search/index.js';

const lambda = { initial: 1, growth: 1.03, max: 1e6, everySteps: 1 };
const old = (o: object) => ({ epochs: 2, regularizer: { k: 3, scope: 'layer', groups: 'neuron', lambda, finetuneEpochs: 1, ...o } });
const options = { k: 3, scope: 'layer', groups: 'neuron', lambda, finetuneEpochs: 1 };

test('training.regularizer reads as the training method it meant: wgsef with its envelope penalty, or group-lasso', () => {
  assert.deepEqual(upgradeLegacyTraining(old({ kind: 'wgsef', penalty: 'envelope' })), { epochs: 2, method: { name: 'wgsef', options: { ...options, penalty: 'envelope' } } });
  assert.deepEqual(upgradeLegacyTraining(old({ kind: 'wgsef', penalty: 'envelope-minus-l2' })), { epochs: 2, method: { name: 'wgsef', options: { ...options, penalty: 'envelope-minus-l2' } } });
  assert.deepEqual(upgradeLegacyTraining(old({ kind: 'group-lasso', penalty: 'group-lasso' })), { epochs: 2, method: { name: 'group-lasso', options } });
  // The old hook went by the penalty (kind only chose its default), so the method does too.
  assert.deepEqual(upgradeLegacyTraining(old({ kind: 'wgsef', penalty: 'group-lasso' })), { epochs: 2, method: { name: 'group-lasso', options } });
  assert.deepEqual(upgradeLegacyTraining(old({ kind: 'group-lasso' })), { epochs: 2, method: { name: 'group-lasso', options } });
  assert.deepEqual(upgradeLegacyTraining(old({ kind: 'wgsef' })), { epochs: 2, method: { name: 'wgsef', options: { ...options, penalty: 'envelope' } } });
});

test('anything else is left as it is', () => {
  const current = { epochs: 2, method: { name: 'wgsef', options } };
  assert.equal(upgradeLegacyTraining(current), current);
  assert.equal(upgradeLegacyTraining(undefined), undefined);
  assert.deepEqual(upgradeLegacyTraining({ epochs: 1 }), { epochs: 1 });
  assert.deepEqual(upgradeLegacyTraining({ epochs: 1, regularizer: 'x' }), { epochs: 1 }, 'a regularizer that is not an object meant nothing');
  const def = { seed: 1, training: { epochs: 1 } };
  assert.equal(upgradeLegacyDefinition(def), def);
});

test('an old config file with training.regularizer parses into training.method', () => {
  const d = parseDefinition({ training: { epochs: 2, regularizer: { kind: 'group-lasso', k: 4, lambda, finetuneEpochs: 0 } } });
  assert.deepEqual(d.training.method, { name: 'group-lasso', options: { k: 4, lambda, finetuneEpochs: 0 } });
  assert.equal('regularizer' in d.training, false);
  assert.deepEqual(parseDefinition({ training: { method: { name: 'wgsef' } } }).training.method, { name: 'wgsef', options: {} }, 'options default to {}');
  assert.throws(() => parseDefinition({ training: { method: { name: '' } } }), /training.method.name/);
  assert.throws(() => parseDefinition({ training: { method: { name: 'wgsef', extra: 1 } } }), /unknown key "training.method.extra"/);
});
