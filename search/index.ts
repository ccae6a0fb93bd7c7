// The core of sparsenas: types, contracts, the runner, events, leaderboard, stores. No tfjs, no ink.
export * from './architecture.js';
export * from './config.js';
export * from './errors.js';
export * from './evaluator.js';
export * from './events.js';
export * from './json.js';
export * from './leaderboard.js';
export * from './memory-store.js';
export * from './pruners.js';
export * from './rng.js';
export * from './runner.js';
export * from './space.js';
export { SCHEMA_VERSION } from './sqlite-schema.js';
export * from './sqlite-store.js';
export * from './store.js';
export { storeErrors } from './store-errors.js';
export * from './strategy.js';
export * from './types.js';
