import { z } from 'zod';
import { DARTS_OPS, option } from '../search/index.js';

/**
 * `space.options` of the built-in spaces (options-schema.ts): checked before a study is created,
 * listed by `sparsenas list spaces NAME`, and in sparsenas.schema.json. The constructors take
 * their known keys and defaults from here; what a schema cannot say (min ≤ max, an N:M pattern
 * with N < M) they still check.
 */
export const ACTIVATIONS = ['relu', 'gelu', 'tanh', 'sigmoid', 'elu', 'swish', 'linear'] as const;
export const SPARSITY_KINDS = ['unstructured', 'n:m', 'group'] as const;
/** The sparse-training methods a space can search (`srste` is implied by kind n:m). */
export const SPARSE_METHODS = ['static', 'gmp', 'rigl', 'set'] as const;
export const MAX_SPARSITY_LEVEL = 0.98;

/**
 * The sparsity a space searches unless told otherwise: every level in [0, 0.98] by 0.01, the
 * dynamic methods beside static masks (GMP, RigL, SET: the package's point), unstructured and
 * 2:4 N:M masks. Kind `group` (whole neurons/filters) is opt-in (`kinds`), as it removes units.
 */
export const DEFAULT_SPARSITY = {
  levels: { low: 0, high: MAX_SPARSITY_LEVEL, step: 0.01 },
  kinds: ['unstructured', 'n:m'] as (typeof SPARSITY_KINDS[number])[],
  methods: ['static', 'gmp', 'rigl', 'set'] as (typeof SPARSE_METHODS[number])[],
  init: ['magnitude', 'random'] as ('magnitude' | 'random')[],
  nm: ['2:4'],
};

const level = z.number().min(0).max(MAX_SPARSITY_LEVEL);
const list = <T extends z.ZodType>(t: T) => z.array(t).min(1);

export const sparsityOptionsSchema = z.strictObject({
  levels: option(z.union([list(level), z.strictObject({ low: level, high: level, step: z.number().gt(0).optional() })]),
    'sparsity levels searched: a list, or { low, high, step } (fraction of zero weights)', DEFAULT_SPARSITY.levels),
  kinds: option(list(z.enum(SPARSITY_KINDS)), 'sparsity kinds searched: unstructured, n:m (N:M along input channels, SR-STE), group (whole neurons/filters)', DEFAULT_SPARSITY.kinds),
  methods: option(list(z.enum(SPARSE_METHODS)), 'sparse-training methods searched: static mask, GMP (gradual magnitude pruning), RigL, SET', DEFAULT_SPARSITY.methods),
  init: option(list(z.enum(['magnitude', 'random'])), 'initial masks searched: largest-magnitude weights or random', DEFAULT_SPARSITY.init),
  nm: option(list(z.string().regex(/^\d+:\d+$/)), 'N:M patterns searched (kind n:m)', DEFAULT_SPARSITY.nm),
  distribution: option(z.enum(['uniform', 'erk']), 'how the level is spread over layers', 'uniform'),
  group: option(z.enum(['neuron', 'filter', 'channel', 'weight']), 'group unit of kind group (default: neuron in mlp, filter in cnn/darts)'),
  srsteLambda: option(z.number().min(0), 'SR-STE decay λ_w of kind n:m', 2e-4),
  keepFirstDense: option(z.boolean(), 'keep the first layer dense'),
  keepLastDense: option(z.boolean(), 'keep the classifier dense'),
  updateEvery: option(z.number().int().min(1), 'RigL/SET: steps between topology updates (ΔT; default fitted to the run)'),
  dropFraction: option(z.number().gt(0).lt(1), 'RigL/SET: initial fraction of weights dropped per update', 0.3),
});

const fixed = option(z.record(z.string(), z.any()), 'pin dimensions to one value, by name (e.g. { "sparse_method": "rigl" })');
const sparsity = option(sparsityOptionsSchema, 'the sparsity dimensions (sparsity, sparsity_kind, sparse_method, mask_init, nm)');

export const mlpOptionsSchema = z.strictObject({
  minLayers: option(z.number().int().min(1).max(8), 'fewest hidden layers', 1),
  maxLayers: option(z.number().int().min(1).max(8), 'most hidden layers (≥ minLayers)', 4),
  widths: option(list(z.number().int().min(1)), 'units a hidden layer may have', [64, 128, 256, 512, 1024]),
  activations: option(list(z.enum(ACTIVATIONS)), 'hidden activations searched', ['relu', 'gelu', 'tanh']),
  sparsity,
  fixed,
});

export const cnnOptionsSchema = z.strictObject({
  minStages: option(z.number().int().min(1).max(5), 'fewest stages', 1),
  maxStages: option(z.number().int().min(1).max(5), 'most stages (≥ minStages)', 3),
  channels: option(list(z.number().int().min(1)), 'channels a stage may have', [16, 32, 64]),
  kernels: option(list(z.union([z.literal(1), z.literal(3), z.literal(5), z.literal(7)])), 'kernel sizes', [3, 5]),
  blocks: option(list(z.enum(['plain', 'separable'])), 'conv block types', ['plain', 'separable']),
  pools: option(list(z.enum(['max', 'avg', 'none'])), 'pooling after a stage', ['max', 'avg']),
  maxDepth: option(z.number().int().min(1), 'most conv blocks per stage', 2),
  heads: option(list(z.enum(['gap', 'flatten'])), 'global average pooling or flatten before the classifier', ['gap', 'flatten']),
  headUnits: option(list(z.number().int().min(0)), 'hidden dense units in the head (0: none)', [0, 128]),
  activations: option(list(z.enum(ACTIVATIONS)), 'activations searched', ['relu']),
  batchNorm: option(z.union([z.boolean(), list(z.boolean())]), 'batch normalisation after each conv; [true, false] searches both', true),
  maxStaticSparsity: option(z.number().min(0).max(MAX_SPARSITY_LEVEL), 'highest level of a static mask (small convs above it train at chance); dynamic methods go higher', 0.9),
  sparsity,
  fixed,
});

const intOrList = (low: number, high: number) => z.union([z.number().int().min(low).max(high), list(z.number().int().min(low).max(high))]);

export const dartsOptionsSchema = z.strictObject({
  channels: option(intOrList(1, 256), 'C, channels of the first cells; a list searches it (dimension channels)', 8),
  layers: option(intOrList(1, 20), 'L, cells in the network (reductions at ⌊L/3⌋ and ⌊2L/3⌋); a list searches it (dimension layers)', 3),
  nodes: option(z.number().int().min(1).max(8), 'intermediate nodes per cell', 4),
  stemMultiplier: option(z.number().int().min(1).max(8), 'stem channels = stemMultiplier × C', 3),
  ops: option(list(z.enum(DARTS_OPS.filter((op) => op !== 'none') as unknown as [string, ...string[]])), 'ops an edge may take', DARTS_OPS.filter((op) => op !== 'none')),
  sparsity,
  fixed,
});

/** The keys an object schema declares (what `checkOptionKeys` accepts). */
export const keysOf = (schema: z.ZodObject) => Object.keys(schema.shape);
