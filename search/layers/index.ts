// The layer registry: one pure-TS descriptor per layer type, and the planner that reads them.
export * from './types.js';
export { LAYER_DESCRIPTORS, layerDescriptor, type LayerType, type SpecOf } from './registry.js';
export { planNetwork, planNodes } from './plan.js';
export { activationOf, convOutputSize, product, removedByKeep } from './geometry.js';
