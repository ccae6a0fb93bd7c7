import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Container } from 'inversify';
import { EvaluatorFactory } from '../../search/index.js';
import { evaluatorsModule } from '../../evaluators/module.js';
import { TfjsEvaluator } from '../../evaluators/tfjs-evaluator.js';

test('the module binds the tfjs evaluator factory, visible by name and to getAll', async () => {
  const c = new Container();
  await c.load(evaluatorsModule);
  const named = c.get<EvaluatorFactory>(EvaluatorFactory, { name: 'tfjs' });
  assert.equal(named.name, 'tfjs');
  assert.deepEqual(c.getAll<EvaluatorFactory>(EvaluatorFactory).map((f) => f.name), ['tfjs']);
  assert.ok(named.create({ backend: 'cpu' }) instanceof TfjsEvaluator);
});
