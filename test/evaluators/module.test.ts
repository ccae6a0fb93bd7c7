import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Container } from 'inversify';
import { ConfigError, DEFAULT_DEFINITION, EvaluatorFactory } from '../../search/index.js';
import { LazyTfjsEvaluator, evaluatorsModule, tfjsEvaluatorFactory } from '../../evaluators/module.js';
import { TrainingMethodFactory, trainingMethodsModule } from '../../evaluators/methods/index.js';

test('the module binds the tfjs evaluator factory, visible by name and to getAll', async () => {
  const c = new Container();
  await c.load(evaluatorsModule);
  const named = c.get<EvaluatorFactory>(EvaluatorFactory, { name: 'tfjs' });
  assert.equal(named.name, 'tfjs');
  assert.deepEqual(c.getAll<EvaluatorFactory>(EvaluatorFactory).map((f) => f.name), ['tfjs']);
  assert.ok(named.create({ backend: 'cpu' }) instanceof LazyTfjsEvaluator);
});

test('the training methods module binds wgsef, group-lasso and dass by name; the tfjs evaluator trains what the container binds', async () => {
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
  assert.deepEqual(await prepared(c), ['wgsef', 'group-lasso', 'dass']);
  // A plugin's ContainerModule may bind one more.
  c.bind<TrainingMethodFactory>(TrainingMethodFactory).toConstantValue({ name: 'mine', description: 'x', create: () => ({ dispose() {} }) });
  assert.deepEqual(await prepared(c), ['wgsef', 'group-lasso', 'dass', 'mine']);
});

test('the tfjs evaluator options are checked by name: GPU options accepted, unknown keys and bad values refused', () => {
  const create = (o: Record<string, unknown>) => tfjsEvaluatorFactory().create(o as never);
  assert.ok(create({ backend: 'webgpu', allowSoftwareGpu: true, gpuConcurrency: 2, readbackEvery: 4 }) instanceof LazyTfjsEvaluator);
  assert.throws(() => create({ gpuConcurency: 2 }), (e: unknown) => e instanceof ConfigError && /unknown tfjs evaluator option "gpuConcurency"; known: backend, allowSoftwareGpu, gpuConcurrency, readbackEvery/.test(e.message));
  assert.throws(() => create({ gpuConcurrency: 0 }), /evaluator\.options\.gpuConcurrency must be a positive integer, got 0/);
  assert.throws(() => create({ allowSoftwareGpu: 'yes' }), /evaluator\.options\.allowSoftwareGpu must be true or false/);
  assert.throws(() => create({ backend: 'cuda' }), /evaluator\.options\.backend must be one of auto, tensorflow-gpu, webgpu/);
});
