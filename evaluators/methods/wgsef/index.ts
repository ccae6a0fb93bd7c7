// The WGSEF training method (Refael et al.; algorithms.md "WGSEF"): the exact group proxes of the
// sparse envelope and of group lasso (plain TS), the λ schedule and the top-k projection, and the
// method that applies them to the network's grouped kernels (tfjs).
export * from './errors.js';
export * from './k-support.js';
export * from './envelope-prox.js';
export * from './prox.js';
export * from './penalties.js';
export * from './groups.js';
export * from './top-k-mask.js';
export * from './lambda-schedule.js';
export * from './grouped-kernels.js';
export * from './method-options.js';
export * from './group-prox-method.js';
export * from './wgsef-method.js';
