export * from './types.js';
export * from './stats.js';
export * from './registry.js';
export * from './results-file.js';
export * from './section.js';
export * from './random-baseline.js';
export * from './sparse-ift.js';
export * from './wgsef.js';
