import { z } from 'zod';
import { option } from '../search/index.js';
import { GRID_ORDERS } from './grid-order.js';
import { SPARSE_IFT_FAMILIES } from './sparse-ift/transforms.js';
import { DEFAULT_LAMBDA_SCHEDULE, PENALTY_NAMES } from './wgsef/wgsef-options.js';
import { CONTROL_ARMS, DASS_DEFAULTS, MAX_DASS_SPARSITY } from './dass/dass-options.js';
import { DARTS_OPS } from '../search/index.js';

/**
 * `strategy.options` of every built-in strategy (options-schema.ts): checked before a study is
 * created, listed by `sparsenas list strategies NAME`, and in sparsenas.schema.json. Each
 * strategy's `init` still checks what a schema cannot say (a base sample inside the space).
 */
const sample = z.record(z.string(), z.any());
const posInt = () => z.number().int().min(1);
const oneOrList = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)]);

export const randomOptionsSchema = z.strictObject({});

export const gridOptionsSchema = z.strictObject({
  points: option(posInt(), 'values a float dimension without a step takes (evenly spaced, ends included)', 3),
  values: option(z.record(z.string(), z.array(z.any()).min(1)), 'the grid of some dimensions, by name (e.g. { "sparsity": [0, 0.9] })'),
  order: option(z.enum(GRID_ORDERS as [string, ...string[]]), 'spread: any prefix covers every dimension coarsely (R_d sequence, then a sweep); lexicographic: mixed radix', 'spread'),
});

export const evolutionOptionsSchema = z.strictObject({
  population: option(z.number().int().min(2), 'the most recent completed trials that can be parents (aging population)', 20),
  sampleSize: option(posInt(), 'tournament size: members drawn at random, the best becomes the parent (≤ population)', 5),
}).refine((o) => {
  // Only once both are valid on their own (their own issues say what is wrong otherwise).
  const p = o.population ?? 20;
  const k = o.sampleSize ?? 5;
  return !(Number.isInteger(p) && p >= 2 && Number.isInteger(k) && k >= 1) || k <= p;
}, { message: 'sampleSize must be <= population', path: ['sampleSize'] });

export const sparseIftOptionsSchema = z.strictObject({
  families: option(z.array(z.enum(SPARSE_IFT_FAMILIES as unknown as [string, ...string[]])).min(1), 'Sparse-IFT transform families', [...SPARSE_IFT_FAMILIES]),
  levels: option(z.array(z.number().gt(0).lt(1)).min(1), 'sparsity levels of the sweep', [0.5, 0.75, 0.9]),
  methods: option(z.array(z.enum(['rigl', 'static', 'set'])).min(1), 'sparse-training methods (RigL is the paper\'s; static the control)', ['rigl']),
  seeds: option(posInt(), 'replicates; the configurations of one replicate share its seed', 3),
  base: option(sample, 'space sample of the dense base network (default: a fixed draw of the space, dense)'),
  keepFirstDense: option(z.boolean(), 'keep the first layer dense and untransformed (default: true for image inputs, false for flat ones)'),
  norm: option(z.boolean(), 'batch norm inside each parallel branch and between factorized U and V'),
  updateEvery: option(posInt(), 'RigL/SET: steps between topology updates (ΔT; default: fitted to the run)'),
});

export const randomBaselineOptionsSchema = z.strictObject({
  levels: option(z.array(z.number().gt(0).lt(1)).min(1), 'node sparsity levels (fraction of hidden units/channels removed)', [0.5, 0.75, 0.9]),
  candidates: option(posInt(), 'node masks sampled and scored by the proxy per level and replicate (N)', 10),
  seeds: option(posInt(), 'replicates (seeds)', 3),
  proxy: option(z.enum(['trained', 'init']), 'proxy score: validation loss after a short training, or at initialisation', 'trained'),
  proxyEpochs: option(posInt(), 'epochs of a trained proxy', 1),
  proxySteps: option(posInt(), 'step cap of a trained proxy'),
  base: option(sample, 'space sample of the over-parameterised parent (default: a fixed draw of the space, dense)'),
  threshold: option(z.number().gt(0).max(1), 'accuracy threshold for "epochs to threshold" in reports'),
});

export const wgsefOptionsSchema = z.strictObject({
  k: oneOrList(posInt()).describe('groups to keep (required); a list runs one grouped + derived pair per value'),
  groups: option(z.enum(['neuron', 'filter', 'channel', 'weight']), 'group unit', 'neuron'),
  scope: option(z.enum(['layer', 'network']), 'k per grouped layer, or over all grouped layers together', 'layer'),
  lambda: option(z.strictObject({
    initial: option(z.number().gt(0), 'λ at the start of training', DEFAULT_LAMBDA_SCHEDULE.initial),
    growth: option(z.number().gt(1), 'factor applied while more than k groups are non-zero', DEFAULT_LAMBDA_SCHEDULE.growth),
    max: option(z.number().gt(0), 'cap on λ (≥ initial)', DEFAULT_LAMBDA_SCHEDULE.max),
    everySteps: option(posInt(), 'check (and grow) every this many optimiser steps', DEFAULT_LAMBDA_SCHEDULE.everySteps),
  }), 'λ schedule; given keys override the defaults one by one'),
  penalty: option(oneOrList(z.enum(PENALTY_NAMES as unknown as [string, ...string[]])), 'one run per penalty; group-lasso is the control', 'envelope'),
  finetuneEpochs: option(z.number().int().min(0), 'epochs of fine-tuning with the group mask fixed, after the proximal phase', 1),
  seeds: option(posInt(), 'runs per (k, penalty), with independent seeds', 1),
  base: option(sample, 'the over-parameterised parent (default: the widest point of the space)'),
  derive: option(z.boolean(), 'retrain the derived narrower network as its own trial', true),
});

const epochs = (what: string, d: { pretrain: number; prune: number; finetune: number } | undefined) => z.strictObject({
  pretrain: option(z.number().int().min(0), `${what}: epochs of dense pretraining`, d?.pretrain),
  prune: option(z.number().int().min(0), `${what}: epochs of score training (pruning)`, d?.prune),
  finetune: option(z.number().int().min(0), `${what}: epochs of fine-tuning with the masks fixed`, d?.finetune),
});

export const dassOptionsSchema = z.strictObject({
  sparsity: option(oneOrList(z.number().gt(0).max(MAX_DASS_SPARSITY)), 'fractions of zero weights; one DASS search and its retrained cell per level', DASS_DEFAULTS.sparsity),
  seeds: option(posInt(), 'paired replicates: every arm of a replicate uses the same seeds', DASS_DEFAULTS.seeds),
  controls: option(z.array(z.enum(CONTROL_ARMS as unknown as [string, ...string[]])), 'controls in the same study: darts (searched dense, pruned the same way), random (random cells)', DASS_DEFAULTS.controls),
  supernet: option(z.strictObject({
    channels: option(z.number().int().min(1).max(256), 'C of the first cells', DASS_DEFAULTS.supernet.channels),
    cells: option(z.number().int().min(1).max(20), 'L cells (reductions at ⌊L/3⌋ and ⌊2L/3⌋)', DASS_DEFAULTS.supernet.cells),
    nodes: option(z.number().int().min(1).max(8), 'intermediate nodes per cell', DASS_DEFAULTS.supernet.nodes),
    stemMultiplier: option(z.number().int().min(1).max(8), 'stem channels = stemMultiplier × C', DASS_DEFAULTS.supernet.stemMultiplier),
    ops: option(z.array(z.enum(DARTS_OPS as unknown as [string, ...string[]])).min(1), 'candidate ops of every edge', [...DARTS_OPS]),
  }), 'the supernet searched: a cells layer with every edge a mixed op'),
  search: option(epochs('supernet trial', DASS_DEFAULTS.search), 'epochs per phase of a supernet trial'),
  retrain: option(epochs('retrained cell', undefined), 'epochs per phase when a derived cell is retrained (default: as search)'),
  network: option(z.strictObject({
    channels: option(z.number().int().min(1).max(256), 'C of the retrained network'),
    cells: option(z.number().int().min(1).max(20), 'cells of the retrained network'),
    stemMultiplier: option(z.number().int().min(1).max(8), 'stem multiplier of the retrained network'),
  }), 'the network a derived cell is retrained in (default: the supernet\'s size, or the darts space\'s)'),
  alpha: option(z.strictObject({
    learningRate: option(z.number().gt(0), 'α learning rate (Adam)', DASS_DEFAULTS.alpha.learningRate),
    beta1: option(z.number().min(0).lt(1), 'α Adam β1', DASS_DEFAULTS.alpha.beta1),
    beta2: option(z.number().min(0).lt(1), 'α Adam β2', DASS_DEFAULTS.alpha.beta2),
    weightDecay: option(z.number().min(0), 'α weight decay', DASS_DEFAULTS.alpha.weightDecay),
  }), 'the α optimiser'),
  alphaBatchSize: option(posInt(), 'batch size of the validation batches of the α steps (default: the training batch size)'),
  derive: option(z.boolean(), 'retrain the derived cells; false stops after the supernet trials', true),
});
