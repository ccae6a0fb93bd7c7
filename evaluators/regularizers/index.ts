export type { TrainingRegularizer } from './types.js';
export { groupedKernels, type GroupedKernel } from './grouped-kernels.js';
export { GroupRegularizerHook, createRegularizer } from './group-regularizer.js';
