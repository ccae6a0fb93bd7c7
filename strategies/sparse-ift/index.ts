export * from './transforms.js';
export * from './sparse-ift-strategy.js';
