// WGSEF: k-level group sparsity by the group sparse envelope (Refael et al.); no tfjs here.
export * from './errors.js';
export * from './k-support.js';
export * from './envelope-prox.js';
export * from './prox.js';
export * from './penalties.js';
export * from './groups.js';
export * from './top-k-mask.js';
export * from './lambda-schedule.js';
export * from './derive-architecture.js';
export * from './wgsef-options.js';
export * from './wgsef-strategy.js';
