import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Container } from 'inversify';
import { DEFAULT_DEFINITION, EvaluatorFactory } from '../../search/index.js';
import { evaluatorsModule } from '../../evaluators/module.js';
import { TfjsEvaluator } from '../../evaluators/tfjs-evaluator.js';
import { TrainingMethodFactory, trainingMethodsModule } from '../../evaluators/methods/index.js';

test('the module binds the tfjs evaluator factory, visible by name and to getAll', async () => {
  const c = new Container();
  await c.load(evaluatorsModule);
  const named = c.get<EvaluatorFactory>(EvaluatorFactory, { name: 'tfjs' });
  assert.equal(named.name, 'tfjs');
  assert.deepEqual(c.getAll<EvaluatorFactory>(EvaluatorFactory).map((f) => f.name), ['tfjs']);
  assert.ok(named.create({ backend: 'cpu' }) instanceof TfjsEvaluator);
});

test('the training methods module binds wgsef and group-lasso by name; the tfjs evaluator trains what the container binds', async () => {
  const prepared = async (c: Container) => {
    const ev = c.get<EvaluatorFactory>(EvaluatorFactory, { name: 'tfjs' }).create({ backend: 'cpu' });
    try {
      return (await ev.prepare({ ...DEFAULT_DEFINITION, backend: 'cpu' })).trainingMethods; // the embedded dataset
    } finally {
      await ev.dispose();
    }
  };
  const alone = new Container();
  await alone.load(evaluatorsModule);
  assert.deepEqual(await prepared(alone), [], 'without the methods module it trains no method');

  const c = new Container();
  await c.load(trainingMethodsModule, evaluatorsModule);
  assert.equal(c.get<TrainingMethodFactory>(TrainingMethodFactory, { name: 'group-lasso' }).name, 'group-lasso');
  assert.deepEqual(await prepared(c), ['wgsef', 'group-lasso']);
  // A plugin's ContainerModule may bind one more.
  c.bind<TrainingMethodFactory>(TrainingMethodFactory).toConstantValue({ name: 'mine', description: 'x', create: () => ({ dispose() {} }) });
  assert.deepEqual(await prepared(c), ['wgsef', 'group-lasso', 'mine']);
});
