import { DARTS_OPS, isDartsOp, SparsenasError, type DartsOp, type JsonObject, type StudyDefinitionInput } from '../../search/index.js';

/** Bad dass strategy options, or a snapshot it cannot restore. */
export class DassError extends SparsenasError {
  constructor(message: string) {
    super('DASS_INVALID_ARGUMENT', message);
    this.name = 'DassError';
  }
}

/** Epochs of each phase of the sparse pipeline: dense pretraining, score training (pruning), fine-tuning with the masks fixed. */
export interface PhaseEpochs {
  pretrain: number;
  prune: number;
  finetune: number;
}

/** The α optimiser (DARTS: Adam lr 3e-4, betas (0.5, 0.999), weight decay 1e-3). */
export interface AlphaOptimizerOptions {
  learningRate: number;
  beta1: number;
  beta2: number;
  weightDecay: number;
}

/** The supernet searched: a `cells` layer with every edge a mixed op over `ops`. */
export interface SupernetOptions {
  /** C of the first cells. */
  channels: number;
  /** L cells; reduction cells at ⌊L/3⌋ and ⌊2L/3⌋. */
  cells: number;
  /** Intermediate nodes per cell. */
  nodes: number;
  stemMultiplier: number;
  /** The candidate ops of every edge (default the eight DARTS ops, `none` included). */
  ops: DartsOp[];
}

/** The network a genotype is retrained in (DARTS evaluates a bigger one than it searches). */
export interface RetrainNetworkOptions {
  channels: number;
  cells: number;
  stemMultiplier: number;
}

export type ControlArm = 'darts' | 'random';
export const CONTROL_ARMS: readonly ControlArm[] = ['darts', 'random'];

/** `strategy.options` of the dass strategy. */
export interface DassOptions {
  /** Fractions of zero weights, each in (0, 0.99]; one DASS search and its retrained cell per level. */
  sparsity: number[];
  /** Paired replicates: every arm of replicate r uses the same seeds. */
  seeds: number;
  /** Controls in the same study: 'darts' (the supernet searched dense, its cell pruned the same way), 'random' (random cells). */
  controls: ControlArm[];
  supernet: SupernetOptions;
  /** Epochs per phase of a supernet trial. */
  search: PhaseEpochs;
  /** Epochs per phase when a derived cell is retrained from scratch. */
  retrain: PhaseEpochs;
  /** The network a derived cell is retrained in (default: the supernet's size, or the darts space's). */
  network?: RetrainNetworkOptions;
  alpha: AlphaOptimizerOptions;
  /** Batch size of the validation batches the α steps use (default: the training batch size). */
  alphaBatchSize?: number;
  /** Retrain the derived cells (default true); false stops after the supernet trials. */
  derive: boolean;
}

/**
 * Quick-run defaults for the embedded 28×28 dataset: a small supernet (C = 8, 3 cells, 4
 * nodes, the 8 DARTS ops), one epoch per phase, 90% sparsity, and an α learning rate ten
 * times DARTS' (the few hundred steps of a quick run barely move α at 3e-4). Paper scale
 * (C = 16, 8 cells, 50 epochs, α lr 3e-4) is a config file away: examples/dass-paper.json.
 */
export const DASS_DEFAULTS = {
  sparsity: [0.9],
  seeds: 1,
  controls: ['darts', 'random'] as ControlArm[],
  supernet: { channels: 8, cells: 3, nodes: 4, stemMultiplier: 3, ops: [...DARTS_OPS] },
  search: { pretrain: 1, prune: 1, finetune: 1 },
  alpha: { learningRate: 3e-3, beta1: 0.5, beta2: 0.999, weightDecay: 1e-3 },
};

/**
 * What `sparsenas search --strategy dass` fills in when the user does not: the darts space (the
 * only one dass searches), and a batch size and training subset sized so that the defaults
 * above run end to end in minutes on the embedded dataset.
 */
export const DASS_DEFINITION_DEFAULTS: StudyDefinitionInput = {
  space: { name: 'darts' },
  dataset: { subset: 300 },
  training: { batchSize: 32 },
};

const KEYS = ['sparsity', 'seeds', 'controls', 'supernet', 'search', 'retrain', 'network', 'alpha', 'alphaBatchSize', 'derive'];
/** Sparsity the sparse parametric ops allow (the paper's headline level). */
export const MAX_DASS_SPARSITY = 0.99;

const bad = (key: string, expected: string, got: unknown): DassError => new DassError(`strategy.options.${key} must be ${expected}, got ${JSON.stringify(got)}`);
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, low: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= low;

function object(o: JsonObject, key: string, keys: readonly string[]): JsonObject {
  const v = o[key] ?? {};
  if (!isObject(v)) throw bad(key, `an object with keys ${keys.join(', ')}`, v);
  for (const k of Object.keys(v)) if (!keys.includes(k)) throw new DassError(`unknown key strategy.options.${key}.${k} for strategy dass; use ${keys.join(', ')}`);
  return v;
}

function phases(o: JsonObject, key: string, fallback: PhaseEpochs): PhaseEpochs {
  const v = object(o, key, ['pretrain', 'prune', 'finetune']);
  const out = { ...fallback, ...(v as Partial<PhaseEpochs>) };
  for (const k of ['pretrain', 'prune', 'finetune'] as const) if (!isInt(out[k], 0)) throw bad(`${key}.${k}`, 'an integer ≥ 0 (epochs)', out[k]);
  if (out.pretrain + out.prune + out.finetune === 0) throw bad(key, 'at least one epoch in some phase', v);
  return out;
}

/** Validates `strategy.options`; every error names the key and what it accepts. */
export function parseDassOptions(o: JsonObject): DassOptions {
  for (const key of Object.keys(o)) if (!KEYS.includes(key)) throw new DassError(`unknown key strategy.options.${key} for strategy dass; use ${KEYS.join(', ')}`);
  const raw = o['sparsity'] ?? DASS_DEFAULTS.sparsity;
  const sparsity = Array.isArray(raw) ? raw : [raw];
  if (sparsity.length === 0 || !sparsity.every((s) => typeof s === 'number' && s > 0 && s <= MAX_DASS_SPARSITY)) {
    throw bad('sparsity', `a fraction of zero weights in (0, ${MAX_DASS_SPARSITY}] or a non-empty list of them`, raw);
  }
  const seeds = o['seeds'] ?? DASS_DEFAULTS.seeds;
  if (!isInt(seeds, 1)) throw bad('seeds', 'a positive integer (paired replicates)', seeds);
  const controls = o['controls'] ?? DASS_DEFAULTS.controls;
  if (!Array.isArray(controls) || !controls.every((c) => CONTROL_ARMS.includes(c as ControlArm))) throw bad('controls', `a list of ${CONTROL_ARMS.map((c) => `"${c}"`).join(', ')} (or [])`, controls);
  const s = object(o, 'supernet', ['channels', 'cells', 'nodes', 'stemMultiplier', 'ops']);
  const supernet: SupernetOptions = { ...DASS_DEFAULTS.supernet, ...(s as Partial<SupernetOptions>) };
  for (const [k, hi] of [['channels', 256], ['cells', 20], ['nodes', 8], ['stemMultiplier', 8]] as const) {
    if (!isInt(supernet[k], 1) || supernet[k] > hi) throw bad(`supernet.${k}`, `an integer in 1..${hi}`, supernet[k]);
  }
  const ops = supernet.ops;
  if (!Array.isArray(ops) || new Set(ops).size !== ops.length || !ops.every(isDartsOp) || !ops.some((op) => op !== 'none')) {
    throw bad('supernet.ops', `distinct DARTS ops (${DARTS_OPS.join(', ')}), at least one other than "none"`, ops);
  }
  const search = phases(o, 'search', DASS_DEFAULTS.search);
  const retrain = phases(o, 'retrain', search);
  let network: RetrainNetworkOptions | undefined;
  if (o['network'] !== undefined) {
    const n = object(o, 'network', ['channels', 'cells', 'stemMultiplier']);
    network = { channels: supernet.channels, cells: supernet.cells, stemMultiplier: supernet.stemMultiplier, ...(n as Partial<RetrainNetworkOptions>) };
    for (const [k, hi] of [['channels', 256], ['cells', 20], ['stemMultiplier', 8]] as const) {
      if (!isInt(network[k], 1) || network[k] > hi) throw bad(`network.${k}`, `an integer in 1..${hi}`, network[k]);
    }
  }
  const a = object(o, 'alpha', ['learningRate', 'beta1', 'beta2', 'weightDecay']);
  const alpha = { ...DASS_DEFAULTS.alpha, ...(a as Partial<AlphaOptimizerOptions>) };
  if (!(typeof alpha.learningRate === 'number' && alpha.learningRate > 0 && Number.isFinite(alpha.learningRate))) throw bad('alpha.learningRate', 'a positive number', alpha.learningRate);
  for (const k of ['beta1', 'beta2'] as const) if (!(typeof alpha[k] === 'number' && alpha[k] >= 0 && alpha[k] < 1)) throw bad(`alpha.${k}`, 'a number in [0, 1)', alpha[k]);
  if (!(typeof alpha.weightDecay === 'number' && alpha.weightDecay >= 0 && Number.isFinite(alpha.weightDecay))) throw bad('alpha.weightDecay', 'a number ≥ 0', alpha.weightDecay);
  const alphaBatchSize = o['alphaBatchSize'];
  if (alphaBatchSize !== undefined && !isInt(alphaBatchSize, 1)) throw bad('alphaBatchSize', 'a positive integer', alphaBatchSize);
  const derive = o['derive'] ?? true;
  if (typeof derive !== 'boolean') throw bad('derive', 'true or false', derive);
  const out: DassOptions = {
    sparsity: [...new Set(sparsity as number[])], seeds, controls: [...new Set(controls as ControlArm[])],
    supernet: { ...supernet, ops: [...ops] }, search, retrain, alpha, derive,
  };
  if (network) out.network = network;
  if (alphaBatchSize !== undefined) out.alphaBatchSize = alphaBatchSize as number;
  return out;
}
