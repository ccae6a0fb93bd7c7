export * from './node-mask.js';
export * from './random-baseline-strategy.js';
