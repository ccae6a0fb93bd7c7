import { dartsOpLayers, isDartsOp, planLayers, DARTS_OPS } from '../../search/index.js';
import type { DartsOp } from '../../search/index.js';
import { ArchitectureError } from '../errors.js';
import { buildPlannedNetwork } from './build-network.js';
import type { Network } from './types.js';

export interface DartsOpOptions {
  /** [height, width] of the op's input (channels are `channels`). */
  inputSize: readonly [number, number];
  /** Affine BN (a derived network, DARTS model.py); default false, the search network (model_search.py). */
  affine?: boolean;
  /** A non-affine BN after each pool (DARTS' MixedOp); default `!affine`. */
  poolBatchNorm?: boolean;
  /** Seed of the kernels' initialisation (default 0); each kernel's draw also depends on its name. */
  seed?: number;
  /** Prefix of every layer name inside (saved weights, init seeds), e.g. `c0.n1.e0.`; default `<op>.`. */
  prefix?: string;
  /** `targetSparsity` of the op's masked kernels (default 0: dense). */
  sparsity?: number;
}

/** One DARTS op built on its own: a `Network` whose `apply` maps [batch, h, w, C] to the op's output. */
export interface DartsOpNetwork extends Network {
  readonly op: DartsOp;
  /** [h', w', C]: ⌈h/stride⌉ × ⌈w/stride⌉ × C for every op. */
  readonly outShape: number[];
}

/**
 * Build one DARTS op (`cnn/operations.py` OPS[op](C, stride, affine)) with the same layer
 * descriptors and builders a `cells` network uses: every convolution a masked kernel
 * (`params`, for sparse methods and score-based pruning), BN statistics recorded on training
 * forward passes (`commitBatchNorm`), every tensor owned and released by `dispose()`. An
 * empty op (skip_connect at stride 1) is the identity. The composable form inside a bigger
 * network is `dartsOpLayers` planned as a child chain (see `search/layers/cells.ts`).
 */
export function buildDartsOp(op: DartsOp, channels: number, stride: 1 | 2, options: DartsOpOptions): DartsOpNetwork {
  if (!isDartsOp(op)) throw new ArchitectureError(String(op), `buildDartsOp: "${String(op)}" is not a DARTS op; known ops: ${DARTS_OPS.join(', ')}`);
  if (!(Number.isInteger(channels) && channels >= 1)) throw new ArchitectureError(op, `buildDartsOp(${op}): channels must be a positive integer, got ${JSON.stringify(channels)}`);
  if (stride !== 1 && stride !== 2) throw new ArchitectureError(op, `buildDartsOp(${op}): stride must be 1 or 2, got ${JSON.stringify(stride)}`);
  const [h, w] = options.inputSize ?? [];
  if (!(Number.isInteger(h) && Number.isInteger(w) && h! >= 1 && w! >= 1)) {
    throw new ArchitectureError(op, `buildDartsOp(${op}): inputSize must be [height, width] of positive integers, got ${JSON.stringify(options.inputSize)}`);
  }
  const affine = options.affine ?? false;
  const layers = dartsOpLayers(op, { channels, stride, affine, poolBatchNorm: options.poolBatchNorm ?? !affine });
  const plan = planLayers(layers, [h!, w!, channels], options.prefix ?? `${op}.`);
  const net = buildPlannedNetwork(plan, options.sparsity ?? 0, options.seed ?? 0);
  return Object.assign(net, { op, outShape: plan.outShape });
}
