import type { LayerSpec } from '../architecture.js';
import { ArchitectureError } from '../errors.js';
import { activationDescriptor } from './activation.js';
import { avgPoolDescriptor } from './avg-pool.js';
import { batchNormDescriptor } from './batch-norm.js';
import { cellsDescriptor } from './cells.js';
import { conv2dDescriptor } from './conv2d.js';
import { denseDescriptor } from './dense.js';
import { depthwiseConv2dDescriptor } from './depthwise-conv2d.js';
import { dropoutDescriptor } from './dropout.js';
import { factorizedReduceDescriptor } from './factorized-reduce.js';
import { flattenDescriptor } from './flatten.js';
import { globalAvgPoolDescriptor } from './global-avg-pool.js';
import { maxPoolDescriptor } from './max-pool.js';
import { separableConv2dDescriptor } from './separable-conv2d.js';
import { sumDescriptor } from './sum.js';
import { zeroDescriptor } from './zero.js';
import type { LayerDescriptor } from './types.js';

export type LayerType = LayerSpec['type'];
/** The spec of layer type T (a spec whose `type` is a union, like PoolLayer's, serves each member). */
export type SpecOf<T extends LayerType, S extends LayerSpec = LayerSpec> = S extends LayerSpec ? (T extends S['type'] ? S : never) : never;
type Registry = { readonly [T in LayerType]: LayerDescriptor<SpecOf<T>> };

/** Every layer type, by `type`. A type missing here is a compile error once it is in `LayerSpec`. */
export const LAYER_DESCRIPTORS: Registry = {
  dense: denseDescriptor,
  conv2d: conv2dDescriptor,
  depthwiseConv2d: depthwiseConv2dDescriptor,
  separableConv2d: separableConv2dDescriptor,
  maxPool: maxPoolDescriptor,
  avgPool: avgPoolDescriptor,
  globalAvgPool: globalAvgPoolDescriptor,
  flatten: flattenDescriptor,
  batchNorm: batchNormDescriptor,
  activation: activationDescriptor,
  dropout: dropoutDescriptor,
  sum: sumDescriptor,
  zero: zeroDescriptor,
  factorizedReduce: factorizedReduceDescriptor,
  cells: cellsDescriptor,
};

/** The descriptor of a layer, or an ArchitectureError listing the known types. */
export function layerDescriptor<S extends LayerSpec>(spec: S, name = spec.name ?? '(unnamed)'): LayerDescriptor<S> {
  const d = (LAYER_DESCRIPTORS as Record<string, LayerDescriptor<LayerSpec> | undefined>)[spec.type];
  if (!d) {
    throw new ArchitectureError(name, `layer ${name} has unknown type "${String(spec.type)}"; known types: ${Object.keys(LAYER_DESCRIPTORS).join(', ')}`);
  }
  return d as unknown as LayerDescriptor<S>;
}
