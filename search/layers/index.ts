// The layer registry: one pure-TS descriptor per layer type, and the planner that reads them.
export * from './types.js';
export { LAYER_DESCRIPTORS, layerDescriptor, type LayerType, type SpecOf } from './registry.js';
export { planLayers, planNetwork, planNodes } from './plan.js';
export { activationOf, convOutputSize, product, removedByKeep } from './geometry.js';
export { DARTS_OPS, DARTS_OP_TOKENS, dartsOpLayers, factorizedReduceLayers, isDartsOp, reluConvBnLayers, type DartsOp, type OpOptions } from './darts-ops.js';
export { cellText, checkGenotype, DARTS_V2, defaultConcat, type CellType, type Genotype, type GenotypeEdge } from './genotype.js';
export { cellKeys, cellsLayout, edgeOpLayers, preprocessLayers, stemLayers, type CellEdge, type CellPlanLayout, type CellsLayout } from './cell-layout.js';
export { alphaEntropy, deriveGenotype, nodesOfEdges, parametricShare, softmax, supernetEdges, type AlphaLogits, type SupernetEdge } from './derive-genotype.js';
export { supernetOps, type SupernetCells } from './cells.js';
