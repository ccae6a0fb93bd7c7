// Sparse-training methods and the mask utilities they are built from (the only tfjs users besides the network).
export type { MaskedParam, SparseMethod, SparseStepContext } from './types.js';
export { createSparseMethod } from './create-sparse-method.js';
export { SparsitySpecError, SparseContractError } from './errors.js';
export { resolveSparsity, fitScheduleToRun, MIN_UPDATES, SPARSE_DEFAULTS, MAX_LEVEL, type ResolvedSparsity, type PruneUnit } from './resolve-spec.js';
export { layerSparsities, erkDensities, type LayerBudget, type DistributionOptions } from './distribution.js';
export { nmMask, nmMaskFromScores, nmMaskValues, nmKeptAlongAxis, nmKeepInPartialGroup } from './nm-mask.js';
export { gmpSchedule, gmpSparsityAt, isGmpStep, dynamicEndStep, isTopologyUpdateStep, dropFractionAt, type GmpSchedule } from './schedules.js';
export { selectSmallest, selectLargest, selectRandom } from './selection.js';
export { unitLayout, unitScores, type UnitLayout } from './units.js';
export { initialUnitMask, pruneActiveUnits } from './unit-masks.js';
export { StaticMethod } from './static-method.js';
export { GmpMethod } from './gmp-method.js';
export { DynamicMethod, type TopologyUpdate } from './dynamic-method.js';
export { NmMethod } from './nm-method.js';
