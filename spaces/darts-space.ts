import { DARTS_OPS, SpaceError, defaultConcat, isDartsOp } from '../search/index.js';
import type { Architecture, CellType, DartsOp, Dimension, Genotype, GenotypeEdge, JsonObject, Sample, SearchSpace, SpaceFactory } from '../search/index.js';
import { categorical, checkSample } from './dimensions.js';
import { applyFixed, checkOptionKeys } from './fixed.js';
import { dartsOptionsSchema, keysOf } from './option-schemas.js';
import { checkSparsityCombination, sparsityDimensions, sparsityOptions, sparsitySpec } from './sparsity-dimensions.js';

export interface DartsSpaceOptions {
  /** C, channels of the first cells (default 8); a list of choices searches it (dimension `channels`). */
  channels?: number | number[];
  /** L, cells in the network; reduction cells at ⌊L/3⌋ and ⌊2L/3⌋ (default 3); a list searches it (dimension `layers`). */
  layers?: number | number[];
  /** Intermediate nodes per cell (default 4, as DARTS). */
  nodes?: number;
  /** Stem channels = stemMultiplier · C (default 3, as DARTS). */
  stemMultiplier?: number;
  /** The ops an edge may take (default the seven DARTS ops other than `none`). */
  ops?: DartsOp[];
}

const CELL_TYPES: readonly CellType[] = ['normal', 'reduce'];
const DEFAULT_OPS = DARTS_OPS.filter((op) => op !== 'none');

/**
 * The DARTS cell space (Liu et al. 2019) with genotypes as dimensions: for each cell type and
 * intermediate node j, the pair of states it reads (`<type>_node<j>_inputs`, two distinct
 * states among 0..j+1, as DARTS' discretisation keeps two distinct incoming edges) and the op
 * on each (`_op0` on the lower state, `_op1` on the higher). `none` is not an op here: DARTS
 * never derives it. Every cell outputs the concat of its intermediate nodes. The network is a
 * `cells` layer (stem, L cells) and global average pooling before the classifier, with the
 * sparsity dimensions of every space (groups default to filters), then C (`channels`) and L
 * (`layers`), one choice each unless the options list several (last, so a seed draws the same
 * genotypes and sparsity whether they are searched or not). Defaults are sized for a quick run
 * on 28×28 images: C = 8, L = 3 (one normal cell, two reduction cells).
 */
export class DartsSpace implements SearchSpace {
  readonly name = 'darts';
  readonly dimensions: readonly Dimension[];
  private readonly channels: number[];
  private readonly layers: number[];
  private readonly nodes: number;
  private readonly stemMultiplier: number;

  constructor(private readonly options: JsonObject = {}) {
    checkOptionKeys('darts', options, keysOf(dartsOptionsSchema));
    const o = options as DartsSpaceOptions;
    this.channels = intChoices('channels', o.channels, 8, 1, 256);
    this.layers = intChoices('layers', o.layers, 3, 1, 20);
    this.nodes = intOption('nodes', o.nodes, 4, 1, 8);
    this.stemMultiplier = intOption('stemMultiplier', o.stemMultiplier, 3, 1, 8);
    const ops = o.ops ?? DEFAULT_OPS;
    if (!Array.isArray(ops) || ops.length === 0 || new Set(ops).size !== ops.length || !ops.every(isDartsOp)) {
      throw new SpaceError('ops', `darts space: ops must be distinct DARTS ops among ${DEFAULT_OPS.join(', ')}, got ${JSON.stringify(ops)}`);
    }
    if (ops.includes('none')) throw new SpaceError('ops', 'darts space: "none" is not an op of a derived cell (DARTS never keeps it); remove it from space.options.ops');
    const cellDims = (type: CellType): Dimension[] => Array.from({ length: this.nodes }, (_, j) => [
      categorical(`${type}_node${j}_inputs`, inputPairs(j), `the two states node ${j} of a ${type} cell reads (0, 1: the cell's inputs; 2…: earlier nodes)`),
      categorical(`${type}_node${j}_op0`, ops, `op on the first input of node ${j} of a ${type} cell`),
      categorical(`${type}_node${j}_op1`, ops, `op on the second input of node ${j} of a ${type} cell`),
    ]).flat();
    this.dimensions = applyFixed('darts', [
      ...CELL_TYPES.flatMap(cellDims),
      ...sparsityDimensions(sparsityOptions(options)),
      categorical('channels', this.channels, 'C: channels of the cells before the first reduction (doubled at each reduction cell)'),
      categorical('layers', this.layers, 'L: cells in the network; reduction cells at ⌊L/3⌋ and ⌊2L/3⌋'),
    ], options);
  }

  check(sample: Sample): SpaceError | undefined {
    // A sample stored before C and L were dimensions freezes with the first choice of each.
    const present = (d: Dimension) => !(NETWORK_DIMS.includes(d.name) && sample !== null && typeof sample === 'object' && !(d.name in sample));
    return checkSample(this.dimensions, sample, present) ?? checkSparsityCombination(sample);
  }

  freeze(sample: Sample): Architecture {
    const err = this.check(sample);
    if (err) throw err;
    const genotype: Genotype = {
      normal: this.cell(sample, 'normal'), normal_concat: defaultConcat(this.nodes),
      reduce: this.cell(sample, 'reduce'), reduce_concat: defaultConcat(this.nodes),
    };
    return {
      family: 'darts',
      input: 'image',
      layers: [
        { type: 'cells', name: 'cells', channels: this.choice(sample, 'channels'), cells: this.choice(sample, 'layers'), stemMultiplier: this.stemMultiplier, genotype },
        { type: 'globalAvgPool' },
      ],
      sparsity: sparsitySpec(sample, sparsityOptions(this.options), 'filter'),
    };
  }

  /** C or L of a sample; the first choice (the option's value) when the sample predates the dimension. */
  private choice(sample: Sample, name: 'channels' | 'layers'): number {
    const d = this.dimensions.find((x) => x.name === name)!;
    return (name in sample ? sample[name] : d.kind === 'categorical' ? d.choices[0] : undefined) as number;
  }

  private cell(sample: Sample, type: CellType): GenotypeEdge[] {
    return Array.from({ length: this.nodes }, (_, j) => {
      const [a, b] = String(sample[`${type}_node${j}_inputs`]).split(',').map(Number) as [number, number];
      return [[sample[`${type}_node${j}_op0`] as DartsOp, a], [sample[`${type}_node${j}_op1`] as DartsOp, b]] as GenotypeEdge[];
    }).flat();
  }
}

/** "a,b" for every pair of distinct states a < b node j can read (0..j+1). */
function inputPairs(j: number): string[] {
  const out: string[] = [];
  for (let b = 1; b < j + 2; b++) for (let a = 0; a < b; a++) out.push(`${a},${b}`);
  return out;
}

const NETWORK_DIMS = ['channels', 'layers'];

/** An integer option that may list choices: `8` or `[8, 16]`, distinct, each in low..high. */
function intChoices(key: string, value: unknown, fallback: number, low: number, high: number): number[] {
  if (!Array.isArray(value)) return [intOption(key, value, fallback, low, high)];
  if (value.length === 0 || new Set(value).size !== value.length) {
    throw new SpaceError(key, `darts space: ${key} must be an integer or a non-empty list of distinct integers in ${low}..${high}, got ${JSON.stringify(value)}`);
  }
  return value.map((v) => intOption(key, v, fallback, low, high));
}

function intOption(key: string, value: unknown, fallback: number, low: number, high: number): number {
  if (value === undefined) return fallback;
  if (!(Number.isInteger(value) && (value as number) >= low && (value as number) <= high)) {
    throw new SpaceError(key, `darts space: ${key} must be an integer in ${low}..${high}, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

export const dartsSpaceFactory: SpaceFactory = {
  name: 'darts',
  description: 'DARTS cells: genotype (inputs and op of every node of the normal and reduction cell); sparsity level/kind/method; C, L',
  source: 'built-in',
  optionsSchema: dartsOptionsSchema,
  create: (options) => new DartsSpace(options),
};
