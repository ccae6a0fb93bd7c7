// The WGSEF strategy (Refael et al.): grouped runs by the evaluator's wgsef / group-lasso training
// methods, then the narrower networks their survivors define. No tfjs and no training math here
// (that is evaluators/methods/wgsef).
export * from './errors.js';
export * from './derive-architecture.js';
export * from './wgsef-options.js';
export * from './wgsef-strategy.js';
