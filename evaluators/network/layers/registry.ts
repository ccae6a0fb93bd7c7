import type { LayerSpec, LayerType, SpecOf } from '../../../search/index.js';
import { ArchitectureError } from '../../errors.js';
import { activationBuilder } from './activation.js';
import { avgPoolBuilder } from './avg-pool.js';
import { batchNormBuilder } from './batch-norm.js';
import { cellsBuilder } from './cells.js';
import { conv2dBuilder } from './conv2d.js';
import { denseBuilder } from './dense.js';
import { depthwiseConv2dBuilder } from './depthwise-conv2d.js';
import { dropoutBuilder } from './dropout.js';
import { factorizedReduceBuilder } from './factorized-reduce.js';
import { flattenBuilder } from './flatten.js';
import { globalAvgPoolBuilder } from './global-avg-pool.js';
import { maxPoolBuilder } from './max-pool.js';
import { separableConv2dBuilder } from './separable-conv2d.js';
import { sumBuilder } from './sum.js';
import { zeroBuilder } from './zero.js';
import type { LayerBuilder } from './types.js';

type Registry = { readonly [T in LayerType]: LayerBuilder<SpecOf<T>> };

/** The tfjs build and export of every layer type, by `type` (the descriptors are in search/layers). */
export const LAYER_BUILDERS: Registry = {
  dense: denseBuilder,
  conv2d: conv2dBuilder,
  depthwiseConv2d: depthwiseConv2dBuilder,
  separableConv2d: separableConv2dBuilder,
  maxPool: maxPoolBuilder,
  avgPool: avgPoolBuilder,
  globalAvgPool: globalAvgPoolBuilder,
  flatten: flattenBuilder,
  batchNorm: batchNormBuilder,
  activation: activationBuilder,
  dropout: dropoutBuilder,
  sum: sumBuilder,
  zero: zeroBuilder,
  factorizedReduce: factorizedReduceBuilder,
  cells: cellsBuilder,
};

export function layerBuilder<S extends LayerSpec>(spec: S, name: string): LayerBuilder<S> {
  const b = (LAYER_BUILDERS as Record<string, LayerBuilder<LayerSpec> | undefined>)[spec.type];
  if (!b) throw new ArchitectureError(name, `layer ${name} has type "${String(spec.type)}", which this evaluator cannot build; known types: ${Object.keys(LAYER_BUILDERS).join(', ')}`);
  return b as unknown as LayerBuilder<S>;
}
