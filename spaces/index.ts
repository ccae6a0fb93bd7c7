export * from './dimensions.js';
export * from './fixed.js';
export * from './sparsity-dimensions.js';
export * from './option-schemas.js';
export * from './mlp-space.js';
export * from './cnn-space.js';
export * from './darts-space.js';
export { spacesModule, BUILTIN_SPACES } from './module.js';
export * from './flops.js';
