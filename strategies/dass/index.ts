// The DASS strategy (Mousavi et al. 2022): supernet trials trained by the evaluator's dass method,
// their genotypes retrained sparse, DARTS-then-pruned and random controls. No tfjs here (the
// training is evaluators/methods/dass; the genotype rule is search/layers/derive-genotype.ts).
export { alphaEntropy, deriveGenotype, parametricShare, supernetEdges, type AlphaLogits } from '../../search/index.js';
export * from './dass-options.js';
export * from './dass-strategy.js';
