export * from './sampling.js';
export * from './random-strategy.js';
export * from './grid-strategy.js';
export * from './evolution-strategy.js';
export * from './base-architecture.js';
export * from './sparse-ift/index.js';
export * from './wgsef/index.js';
export * from './random-baseline/index.js';
export { strategiesModule } from './module.js';
