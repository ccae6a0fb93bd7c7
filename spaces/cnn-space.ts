import type { Activation, Architecture, Dimension, JsonObject, LayerSpec, Sample, SearchSpace, SpaceFactory } from '../search/index.js';
import { SpaceError } from '../search/index.js';
import { categorical, checkSample, int } from './dimensions.js';
import { applyFixed, checkOptionKeys } from './fixed.js';
import { cnnOptionsSchema, keysOf } from './option-schemas.js';
import { checkSparsityCombination, sparsityDimensions, sparsityOptions, sparsitySpec } from './sparsity-dimensions.js';

export interface CnnSpaceOptions {
  minStages?: number;
  maxStages?: number;
  channels?: number[];
  kernels?: number[];
  blocks?: ('plain' | 'separable')[];
  pools?: ('max' | 'avg' | 'none')[];
  maxDepth?: number;
  heads?: ('gap' | 'flatten')[];
  headUnits?: number[];
  activations?: Activation[];
  /** Batch normalisation after each conv: on by default; `[true, false]` searches both. */
  batchNorm?: boolean | boolean[];
  /**
   * The highest level a `static` mask may have (default 0.9): a fixed random or magnitude mask
   * above it leaves a few weights per filter of a small conv and the network trains at chance.
   * Dynamic methods (gmp, rigl, set) may go to the space's top level.
   */
  maxStaticSparsity?: number;
}

export const DEFAULT_MAX_STATIC_SPARSITY = 0.9;

const STAGE_DIMS = ['channels', 'kernel', 'block', 'pool', 'depth'];

/**
 * Convolutional macro space: `stages` stages, each `depth_i` conv blocks of `channels_i`
 * channels (kernel 3 or 5, plain or depthwise-separable) followed by a pooling layer; then
 * a head (global average pool or flatten, optional hidden dense layer). Groups default to
 * filters.
 */
export class CnnSpace implements SearchSpace {
  readonly name = 'cnn';
  readonly dimensions: readonly Dimension[];

  constructor(private readonly options: JsonObject = {}) {
    checkOptionKeys('cnn', options, keysOf(cnnOptionsSchema));
    const o = options as CnnSpaceOptions;
    const minStages = o.minStages ?? 1;
    const maxStages = o.maxStages ?? 3;
    if (!(Number.isInteger(minStages) && minStages >= 1 && maxStages >= minStages && maxStages <= 5)) {
      throw new SpaceError('stages', `cnn space: need 1 <= minStages <= maxStages <= 5, got ${minStages}..${maxStages}`);
    }
    for (const k of o.kernels ?? []) if (![1, 3, 5, 7].includes(k)) throw new SpaceError('kernel', `cnn space: kernel sizes must be 1, 3, 5 or 7, got ${k}`);
    const stage = (i: number): Dimension[] => [
      categorical(`channels_${i}`, o.channels ?? [16, 32, 64], `channels of stage ${i}`),
      categorical(`kernel_${i}`, o.kernels ?? [3, 5], `kernel size of stage ${i}`),
      categorical(`block_${i}`, o.blocks ?? ['plain', 'separable'], `conv block type of stage ${i}`),
      categorical(`pool_${i}`, o.pools ?? ['max', 'avg'], `pooling after stage ${i}`),
      int(`depth_${i}`, 1, o.maxDepth ?? 2, 1, `conv blocks in stage ${i}`),
    ];
    this.dimensions = applyFixed('cnn', [
      int('stages', minStages, maxStages, 1, 'number of stages'),
      ...Array.from({ length: maxStages }, (_, i) => stage(i)).flat(),
      categorical('head', o.heads ?? ['gap', 'flatten'], 'global average pooling or flatten before the classifier'),
      categorical('head_units', o.headUnits ?? [0, 128], 'hidden dense units in the head (0: none)'),
      categorical('activation', o.activations ?? ['relu'], 'activation'),
      categorical('batch_norm', batchNormChoices(o.batchNorm), 'batch normalisation after each conv (default on: without it some candidates never leave chance)'),
      ...sparsityDimensions(sparsityOptions(options)),
    ], options);
  }

  check(sample: Sample): SpaceError | undefined {
    const stages = sample['stages'];
    const active = (d: Dimension) => {
      // A sample stored before batch_norm was a dimension freezes with the option's value.
      if (d.name === 'batch_norm' && !('batch_norm' in sample)) return false;
      const m = /^([a-z]+)_(\d+)$/.exec(d.name);
      return !m || !STAGE_DIMS.includes(m[1]!) || typeof stages !== 'number' || Number(m[2]) < stages;
    };
    return checkSample(this.dimensions, sample, active) ?? checkSparsityCombination(sample) ?? this.checkStaticLevel(sample);
  }

  private checkStaticLevel(sample: Sample): SpaceError | undefined {
    const max = (this.options as CnnSpaceOptions).maxStaticSparsity ?? DEFAULT_MAX_STATIC_SPARSITY;
    const level = sample['sparsity'];
    if (sample['sparse_method'] === 'static' && sample['sparsity_kind'] !== 'n:m' && typeof level === 'number' && level > max + 1e-9) {
      return new SpaceError('sparsity', `cnn space: a static mask at sparsity ${level} leaves too few weights in small convs to train (limit ${max}); use sparse_method gmp, rigl or set for higher levels, or raise space.options.maxStaticSparsity`);
    }
    return undefined;
  }

  freeze(sample: Sample): Architecture {
    const err = this.check(sample);
    if (err) throw err;
    const o = this.options as CnnSpaceOptions;
    const activation = sample['activation'] as Activation;
    // Samples stored before batch_norm was a dimension carry the option's value.
    const bn = typeof sample['batch_norm'] === 'boolean' ? sample['batch_norm'] : batchNormChoices(o.batchNorm)[0]!;
    const layers: LayerSpec[] = [];
    for (let i = 0; i < (sample['stages'] as number); i++) {
      const filters = sample[`channels_${i}`] as number;
      const kernel = sample[`kernel_${i}`] as number;
      const separable = sample[`block_${i}`] === 'separable';
      for (let j = 0; j < (sample[`depth_${i}`] as number); j++) {
        const name = `s${i}_conv${j}`;
        // The first conv of the network is plain: a depthwise conv over 1–3 input channels learns almost nothing.
        if (separable && layers.length > 0) layers.push({ type: 'separableConv2d', name, filters, kernel, padding: 'same', activation: bn ? 'linear' : activation });
        else layers.push({ type: 'conv2d', name, filters, kernel, padding: 'same', activation: bn ? 'linear' : activation });
        if (bn) layers.push({ type: 'batchNorm' }, { type: 'activation', activation });
      }
      const pool = sample[`pool_${i}`];
      if (pool === 'max' || pool === 'avg') layers.push({ type: pool === 'max' ? 'maxPool' : 'avgPool', size: 2, stride: 2 });
    }
    layers.push(sample['head'] === 'gap' ? { type: 'globalAvgPool' } : { type: 'flatten' });
    const headUnits = sample['head_units'] as number;
    if (headUnits > 0) layers.push({ type: 'dense', name: 'head_dense', units: headUnits, activation });
    return { family: 'cnn', input: 'image', layers, sparsity: sparsitySpec(sample, sparsityOptions(this.options), 'filter') };
  }

}

function batchNormChoices(v: boolean | boolean[] | undefined): boolean[] {
  if (v === undefined) return [true];
  const list = Array.isArray(v) ? v : [v];
  if (!list.length || list.some((x) => typeof x !== 'boolean')) throw new SpaceError('batch_norm', `cnn space: batchNorm must be true, false or a list of them, got ${JSON.stringify(v)}`);
  return list;
}

export const cnnSpaceFactory: SpaceFactory = {
  name: 'cnn',
  description: 'convolutional networks: stages of plain or separable conv blocks, pooling, head; sparsity level/kind/method',
  source: 'built-in',
  optionsSchema: cnnOptionsSchema,
  create: (options) => new CnnSpace(options),
};
