import type { Activation, Architecture, Dimension, JsonObject, LayerSpec, Sample, SearchSpace, SpaceFactory } from '../search/index.js';
import { SpaceError } from '../search/index.js';
import { categorical, checkSample, int } from './dimensions.js';
import { applyFixed, checkOptionKeys } from './fixed.js';
import { mlpOptionsSchema, keysOf } from './option-schemas.js';
import { checkSparsityCombination, sparsityDimensions, sparsityOptions, sparsitySpec } from './sparsity-dimensions.js';

export interface MlpSpaceOptions {
  /** Range of the number of hidden layers (default 1–4). */
  minLayers?: number;
  maxLayers?: number;
  widths?: number[];
  activations?: Activation[];
}

const MAX_LAYERS = 8;

/**
 * Multilayer perceptrons on flattened inputs: `layers` hidden dense layers of width
 * `width_i` (i < layers; the others are ignored), one activation, and the sparsity
 * dimensions. Groups default to neurons.
 */
export class MlpSpace implements SearchSpace {
  readonly name = 'mlp';
  readonly dimensions: readonly Dimension[];
  private readonly maxLayers: number;

  constructor(private readonly options: JsonObject = {}) {
    checkOptionKeys('mlp', options, keysOf(mlpOptionsSchema));
    const o = options as MlpSpaceOptions;
    const minLayers = o.minLayers ?? 1;
    this.maxLayers = o.maxLayers ?? 4;
    if (!(Number.isInteger(minLayers) && minLayers >= 1 && this.maxLayers >= minLayers && this.maxLayers <= MAX_LAYERS)) {
      throw new SpaceError('layers', `mlp space: need 1 <= minLayers <= maxLayers <= ${MAX_LAYERS}, got ${minLayers}..${this.maxLayers}`);
    }
    const widths = o.widths ?? [64, 128, 256, 512, 1024];
    if (!widths.length || widths.some((w) => !Number.isInteger(w) || w < 1)) {
      throw new SpaceError('width', `mlp space: widths must be positive integers, got ${JSON.stringify(widths)}`);
    }
    this.dimensions = applyFixed('mlp', [
      int('layers', minLayers, this.maxLayers, 1, 'number of hidden layers'),
      ...Array.from({ length: this.maxLayers }, (_, i) => categorical(`width_${i}`, widths, `units of hidden layer ${i}`)),
      categorical('activation', o.activations ?? ['relu', 'gelu', 'tanh'], 'hidden activation'),
      ...sparsityDimensions(sparsityOptions(options)),
    ], options);
  }

  check(sample: Sample): SpaceError | undefined {
    const layers = sample['layers'];
    const active = (d: Dimension) => !/^width_\d+$/.test(d.name) || typeof layers !== 'number' || Number(d.name.slice(6)) < layers;
    return checkSample(this.dimensions, sample, active) ?? checkSparsityCombination(sample);
  }

  freeze(sample: Sample): Architecture {
    const err = this.check(sample);
    if (err) throw err;
    const n = sample['layers'] as number;
    const activation = sample['activation'] as Activation;
    const layers: LayerSpec[] = Array.from({ length: n }, (_, i) => ({
      type: 'dense', name: `dense_${i}`, units: sample[`width_${i}`] as number, activation,
    }));
    return { family: 'mlp', input: 'flat', layers, sparsity: sparsitySpec(sample, sparsityOptions(this.options), 'neuron') };
  }

}

export const mlpSpaceFactory: SpaceFactory = {
  name: 'mlp',
  description: 'multilayer perceptrons: 1–4 hidden layers, widths, activation, sparsity level/kind/method',
  source: 'built-in',
  optionsSchema: mlpOptionsSchema,
  create: (options) => new MlpSpace(options),
};
