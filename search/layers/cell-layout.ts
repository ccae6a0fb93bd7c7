import type { LayerSpec } from '../architecture.js';
import { dartsOpLayers, factorizedReduceLayers, reluConvBnLayers, type DartsOp } from './darts-ops.js';
import { supernetOps, type CellsLayer } from './cells.js';
import { supernetEdges } from './derive-genotype.js';
import { defaultConcat, type CellType } from './genotype.js';

/**
 * The wiring of a `cells` layer (DARTS `model.py` NetworkCIFAR, `model_search.py` Network):
 * stem conv 3×3 + BN to stemMultiplier·C channels; L cells, reduction cells (stride 2,
 * channels ×2) at ⌊L/3⌋ and ⌊2L/3⌋; each cell reads the outputs of the two cells before it
 * (the stem for the first), preprocessed to C channels by ReLUConvBN 1×1, or by
 * FactorizedReduce when the cell before was a reduction (its earlier input is at twice the
 * resolution); node j sums its edges; the cell outputs the concat of its `concat` states.
 *
 * An edge holds a list of ops and a combine rule: a derived (genotype) cell has one op per
 * edge, combined by `sum`. DARTS' supernet is the same wiring with every state → node edge
 * holding all eight ops, combined by the mixed op Σ_o softmax(α_edge)_o · o(x) with α from
 * the training method (a `mixed` combine and non-affine BN with pool BN); nothing else here
 * changes.
 */
export interface CellEdge {
  /** The state it reads: 0, 1 the preprocessed inputs, 2… earlier nodes. */
  from: number;
  ops: DartsOp[];
  combine: 'sum' | 'mixed';
  /** A mixed edge's row of its cell type's α (`supernetEdges` order). */
  alpha?: number;
}

export interface CellPlanLayout {
  index: number;
  type: CellType;
  reduction: boolean;
  /** The cell before was a reduction: input 0 is FactorizedReduce'd. */
  reductionPrev: boolean;
  /** C of this cell (doubled at each reduction). */
  channels: number;
  nodes: CellEdge[][];
  concat: number[];
}

export interface CellsLayout {
  stemChannels: number;
  cells: CellPlanLayout[];
  /** BN affine inside cells (true in derived networks, as DARTS' model.py). */
  affine: boolean;
  /** A non-affine BN after each pool (only in the search network). */
  poolBatchNorm: boolean;
}

export function cellsLayout(spec: CellsLayer): CellsLayout {
  const L = spec.cells;
  const reductions = new Set([Math.floor(L / 3), Math.floor((2 * L) / 3)]);
  let C = spec.channels;
  let reductionPrev = false;
  const cells: CellPlanLayout[] = [];
  for (let i = 0; i < L; i++) {
    const reduction = reductions.has(i);
    if (reduction) C *= 2;
    const type: CellType = reduction ? 'reduce' : 'normal';
    const nodes: CellEdge[][] = [];
    let concat: number[];
    if (spec.supernet) {
      const ops = supernetOps(spec.supernet);
      supernetEdges(spec.supernet.nodes).forEach(({ node, from }, row) => (nodes[node] ??= []).push({ from, ops: [...ops], combine: 'mixed', alpha: row }));
      concat = defaultConcat(spec.supernet.nodes);
    } else {
      const edges = spec.genotype![type];
      for (let j = 0; j < edges.length / 2; j++) nodes.push(edges.slice(2 * j, 2 * j + 2).map(([op, from]) => ({ from, ops: [op], combine: 'sum' as const })));
      concat = spec.genotype![`${type}_concat`];
    }
    cells.push({ index: i, type, reduction, reductionPrev, channels: C, nodes, concat });
    reductionPrev = reduction;
  }
  // The search network (model_search.py): BN without affine parameters, a BN after each pool.
  const search = spec.supernet !== undefined;
  return { stemChannels: (spec.stemMultiplier ?? 3) * spec.channels, cells, affine: !search, poolBatchNorm: search };
}

/** Children keys of a cells node, shared by the planner and the builders. */
export const cellKeys = {
  stem: 'stem',
  pre: (cell: number, input: 0 | 1) => `c${cell}.pre${input}`,
  op: (cell: number, node: number, edge: number, op: DartsOp) => `c${cell}.n${node}.e${edge}.${op}`,
};

export function stemLayers(layout: CellsLayout): LayerSpec[] {
  return [
    { type: 'conv2d', name: 'conv', filters: layout.stemChannels, kernel: 3, padding: 'same', useBias: false },
    { type: 'batchNorm', name: 'bn' },
  ];
}

/** The preprocessing of input 0 or 1 of a cell. */
export function preprocessLayers(layout: CellsLayout, cell: CellPlanLayout, input: 0 | 1): LayerSpec[] {
  return input === 0 && cell.reductionPrev
    ? factorizedReduceLayers(cell.channels, layout.affine)
    : reluConvBnLayers(cell.channels, layout.affine);
}

/** The layers of one op on one edge: stride 2 on a reduction cell's edges from its inputs. */
export function edgeOpLayers(layout: CellsLayout, cell: CellPlanLayout, edge: CellEdge, op: DartsOp): LayerSpec[] {
  const stride = cell.reduction && edge.from < 2 ? 2 : 1;
  return dartsOpLayers(op, { channels: cell.channels, stride, affine: layout.affine, poolBatchNorm: layout.poolBatchNorm });
}
