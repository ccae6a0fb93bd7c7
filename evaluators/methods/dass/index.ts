// DASS: a DARTS supernet with HYDRA sparse parametric ops, α stepped on the masked validation loss.
export * from './method-options.js';
export * from './sparse-scores.js';
export * from './dass-method.js';
export { dassMethodFactory } from './factory.js';
