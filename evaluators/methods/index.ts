// Training methods: named extensions of the training loop (WGSEF, group lasso), one folder each.
export * from './types.js';
export { TrainingMethodRegistry, type MethodStart } from './registry.js';
export { createMethodTools, forwardFor } from './tools.js';
export { BUILT_IN_TRAINING_METHODS, trainingMethodsModule } from './module.js';
export { groupLassoMethodFactory } from './group-lasso/index.js';
export { DassMethod, dassMethodFactory, parseDassMethodOptions, type DassMethodOptions, type DassPhase } from './dass/index.js';
export { GroupProxMethod, groupedKernels, parseGroupProxOptions, wgsefMethodFactory, type GroupedKernel, type GroupProxOptions } from './wgsef/index.js';
