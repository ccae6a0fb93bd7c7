import { ContainerModule } from 'inversify';
import { groupLassoMethodFactory } from './group-lasso/group-lasso-method.js';
import { dassMethodFactory } from './dass/factory.js';
import { TrainingMethodFactory } from './types.js';
import { wgsefMethodFactory } from './wgsef/wgsef-method.js';

/** The built-in training methods, in the order `EvaluatorInfo.trainingMethods` lists them. */
export const BUILT_IN_TRAINING_METHODS: readonly TrainingMethodFactory[] = [wgsefMethodFactory, groupLassoMethodFactory, dassMethodFactory];

/**
 * Binds the built-in training methods under `TrainingMethodFactory`, each also by its name. The
 * tfjs evaluator factory (evaluators/module.ts) trains every method bound here, a plugin's too.
 */
export const trainingMethodsModule = new ContainerModule(({ bind }) => {
  for (const f of BUILT_IN_TRAINING_METHODS) {
    bind<TrainingMethodFactory>(TrainingMethodFactory).toConstantValue(f).when((c) => c.name === undefined || c.name === f.name);
  }
});
