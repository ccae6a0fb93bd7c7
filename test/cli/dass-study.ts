import {
  alphaEntropy, createRng, DARTS_OPS, deriveGenotype, DENSE_SPARSITY, supernetEdges, type AlphaLogits, type Architecture,
  type CellsLayer, type DartsOp, type EpochMetrics, type Genotype, type JsonObject, type Trial,
} from '../../search/index.js';
import { curve, fakeStudy, metrics, trial } from './fake-study.js';

/** A supernet architecture as the dass strategy asks for it. */
export function supernetArchitecture(nodes: number, ops: readonly DartsOp[] = DARTS_OPS): Architecture {
  const cells: CellsLayer = { type: 'cells', name: 'cells', channels: 8, cells: 3, stemMultiplier: 3, supernet: { nodes, ops: [...ops] } };
  return { family: 'darts', input: 'image', layers: [cells, { type: 'globalAvgPool' }], sparsity: { ...DENSE_SPARSITY }, meta: { supernet: true } };
}

/** α logits of a cell with `nodes` nodes that drift with `epoch` (seeded), as a supernet's α does. */
export function driftingAlpha(nodes: number, ops: number, epoch: number, seed: number): AlphaLogits {
  const rng = createRng(seed);
  const rows = supernetEdges(nodes).length;
  const cell = () => Array.from({ length: rows }, (_, r) => Array.from({ length: ops }, (_, o) => 1e-3 * rng.normal() + 0.3 * epoch * Math.sin(o + 3 * r + seed)));
  return { normal: cell(), reduce: cell() };
}

/** The per-epoch outputs the dass method writes (`evaluators/methods/dass`), from the real derive and entropy functions. */
export function dassOutputs(alpha: AlphaLogits, phase: string, ops: readonly DartsOp[] = DARTS_OPS): JsonObject {
  return {
    phase, maskedFraction: phase === 'pretrain' ? 0 : 0.9, alphaEntropy: alphaEntropy(alpha),
    genotype: deriveGenotype(alpha, ops) as unknown as JsonObject, alpha: alpha as unknown as JsonObject, alphaSteps: 10,
  };
}

/**
 * The fake study plus a DASS search: supernet trial 6 (3 epochs: pretrain, prune, finetune,
 * α stored each epoch) and trial 7, its genotype retrained (`derivedFrom` 6).
 */
export function dassStudy(nodes = 3): { study: ReturnType<typeof fakeStudy>['study']; trials: Trial[]; epochs: Record<number, EpochMetrics[]>; genotype: Genotype } {
  const { study, trials } = fakeStudy('dass-study');
  const phases = ['pretrain', 'prune', 'finetune'];
  const alphas = phases.map((_, i) => driftingAlpha(nodes, DARTS_OPS.length, i + 1, 11 + i));
  const epochs: Record<number, EpochMetrics[]> = {};
  for (const t of trials) epochs[t.number] = t.metrics ? curve(t.metrics.valAccuracy, 3) : [];
  epochs[6] = curve(0.4, 3).map((e, i) => ({ ...e, outputs: dassOutputs(alphas[i]!, phases[i]!) }));
  const final = dassOutputs(alphas[2]!, 'finetune');
  const genotype = final['genotype'] as unknown as Genotype;
  const supernet = trial(6, {
    architecture: supernetArchitecture(nodes), group: 'dass-supernet-s90', label: 'DASS supernet 90%',
    attributes: { role: 'supernet', dass: { kind: 'search', job: 0, arm: 'dass', sparsity: 0.9, seedIndex: 0 } },
    metrics: metrics(0.4, 50_000, { outputs: { ...final, ops: [...DARTS_OPS] } }),
  });
  const derived = trial(7, {
    architecture: { ...supernetArchitecture(nodes), layers: [{ type: 'cells', name: 'cells', channels: 8, cells: 3, genotype } as CellsLayer, { type: 'globalAvgPool' }], meta: {} },
    group: 'dass-s90', label: 'DASS cell', attributes: { role: 'derived', derivedFrom: 6 }, metrics: metrics(0.83, 40_000),
  });
  epochs[7] = curve(0.83, 3);
  return { study, trials: [...trials, supernet, derived], epochs, genotype };
}
