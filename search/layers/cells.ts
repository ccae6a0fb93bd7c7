import { ArchitectureError } from '../errors.js';
import { cellKeys, cellsLayout, edgeOpLayers, preprocessLayers, stemLayers } from './cell-layout.js';
import { DARTS_OPS, isDartsOp, type DartsOp } from './darts-ops.js';
import { cellText, checkGenotype, type Genotype } from './genotype.js';
import { fillDefaults, imageInput, product } from './geometry.js';
import type { LayerDescriptor, PlanNode, PlanState } from './types.js';

/**
 * A DARTS cell network (Liu et al. 2019): stem, L normal/reduction cells wired by a genotype
 * (see `cell-layout.ts`). Global pooling and the classifier are not part of it: the `darts`
 * space follows it with `globalAvgPool`, and the planner appends the classifier as to every
 * network. Every convolution inside (stem, preprocessing, ops) is a masked kernel.
 */
export interface CellsLayer {
  type: 'cells';
  /** C: channels of the cells before the first reduction. */
  channels: number;
  /** L: the number of cells; reduction cells at ⌊L/3⌋ and ⌊2L/3⌋. */
  cells: number;
  /** Stem channels = stemMultiplier · C (DARTS: 3). */
  stemMultiplier?: number;
  /** The derived cells' wiring (exactly one of `genotype` and `supernet`). */
  genotype?: Genotype;
  /**
   * A DARTS/DASS search network instead of a genotype: every state → node edge holds every op
   * of `ops` (default the eight DARTS ops), combined by the mixed op Σ_o softmax(α_e)_o·o(x)
   * with α from the training method (`ForwardOptions.alpha`); BN without affine parameters,
   * a non-affine BN after each pool (`model_search.py`).
   */
  supernet?: SupernetCells;
  name?: string;
  /** Sparsity override for every kernel inside (stem included). */
  sparsity?: number;
}

export interface SupernetCells {
  /** Intermediate nodes per cell (DARTS: 4, i.e. 14 edges). */
  nodes: number;
  ops?: DartsOp[];
}

/** The ops of a supernet's edges. */
export function supernetOps(s: SupernetCells): DartsOp[] {
  return s.ops ?? [...DARTS_OPS];
}

function checkSupernet(name: string, spec: CellsLayer): void {
  if (spec.genotype !== undefined) throw new ArchitectureError(name, `cells ${name}: give either genotype (a derived network) or supernet (a search network), not both`);
  const s = spec.supernet as unknown;
  const o = (typeof s === 'object' && s !== null ? s : {}) as Record<string, unknown>;
  if (!(Number.isInteger(o['nodes']) && (o['nodes'] as number) >= 1 && (o['nodes'] as number) <= 8)) {
    throw new ArchitectureError(name, `cells ${name}: supernet.nodes must be an integer in 1..8, got ${JSON.stringify(o['nodes'])}`);
  }
  const ops = o['ops'];
  if (ops !== undefined && (!Array.isArray(ops) || ops.length === 0 || new Set(ops).size !== ops.length || !ops.every(isDartsOp))) {
    throw new ArchitectureError(name, `cells ${name}: supernet.ops must be distinct DARTS ops among ${DARTS_OPS.join(', ')}, got ${JSON.stringify(ops)}`);
  }
}

export const cellsDescriptor: LayerDescriptor<CellsLayer> = {
  type: 'cells',
  title: 'DARTS cells',
  prefix: 'cells',
  weighted: false,
  withDefaults: (spec) => fillDefaults({ stemMultiplier: 3 }, spec),
  plan(spec, input, ctx) {
    const name = input.name;
    imageInput(name, spec.type, input.shape);
    const positive = (key: 'channels' | 'cells' | 'stemMultiplier') => {
      const v = spec[key];
      if (!(Number.isInteger(v) && v! >= 1)) throw new ArchitectureError(name, `cells ${name}: ${key} must be a positive integer, got ${JSON.stringify(v)}`);
    };
    positive('channels');
    positive('cells');
    positive('stemMultiplier');
    if (spec.supernet !== undefined) checkSupernet(name, spec);
    else checkGenotype(name, spec.genotype);
    const layout = cellsLayout(spec);
    const children: Record<string, PlanNode[]> = {};
    // Inner layers inherit the cells' sparsity override.
    const inherit = <T extends object>(layers: T[]): T[] => (spec.sparsity === undefined ? layers : layers.map((l) => ('filters' in l || 'kernel' in l ? { ...l, sparsity: spec.sparsity } : l)));
    const chain = (key: string, layers: Parameters<typeof ctx.chain>[0], from: PlanState): PlanState => {
      const planned = ctx.chain(inherit([...layers]), `${name}.${key}.`, from);
      children[key] = planned.nodes;
      return planned.end;
    };
    let s1 = chain(cellKeys.stem, stemLayers(layout), input);
    let s0 = s1;
    for (const cell of layout.cells) {
      const i = cell.index;
      const states = [chain(cellKeys.pre(i, 0), preprocessLayers(layout, cell, 0), s0), chain(cellKeys.pre(i, 1), preprocessLayers(layout, cell, 1), s1)];
      agree(name, `the two preprocessed inputs of cell ${i}`, states);
      cell.nodes.forEach((edges, j) => {
        const outs = edges.flatMap((edge, k) => edge.ops.map((op) => chain(cellKeys.op(i, j, k, op), edgeOpLayers(layout, cell, edge, op), states[edge.from]!)));
        agree(name, `the edges of node ${j} of cell ${i}`, outs);
        states.push({ shape: outs[0]!.shape, removed: [] });
      });
      const parts = cell.concat.map((k) => states[k]!);
      const why = cell.reduction ? '; a reduction cell cannot concatenate its inputs 0 and 1, which are at twice its resolution' : '';
      agree(name, `the states cell ${i} concatenates (${cell.concat.join(', ')}${why})`, parts);
      const [h, w] = parts[0]!.shape as [number, number, number];
      s0 = s1;
      s1 = { shape: [h, w, parts.reduce((c, p) => c + p.shape[2]!, 0)], removed: [] };
    }
    return { outShape: s1.shape, removedOut: [], children };
  },
  weights: () => [],
  // The sums of each node's edges, at the node's size (the concat is free); the ops are counted in the children.
  extraFlops(node) {
    const out = (key: string, input: number[]) => node.children![key]!.at(-1)?.outShape ?? input;
    let flops = 0;
    for (const cell of cellsLayout(node.spec).cells) {
      const shapes = [out(cellKeys.pre(cell.index, 0), []), out(cellKeys.pre(cell.index, 1), [])];
      cell.nodes.forEach((edges, j) => {
        const outs = edges.flatMap((e, k) => e.ops.map((op) => out(cellKeys.op(cell.index, j, k, op), shapes[e.from]!)));
        shapes.push(outs[0]!);
        // A mixed edge also scales each op's output by its weight.
        const scaled = edges.reduce((n, e) => n + (e.combine === 'mixed' ? e.ops.length : 0), 0);
        flops += (outs.length - 1 + scaled) * product(outs[0]!);
      });
    }
    return flops;
  },
  describe: (l) => `cells(C${l.channels}×${l.cells}${l.stemMultiplier !== undefined && l.stemMultiplier !== 3 ? ` stem×${l.stemMultiplier}` : ''} ${l.supernet
    ? `supernet: ${l.supernet.nodes} nodes × ${supernetOps(l.supernet).length} ops`
    : `normal: ${cellText(l.genotype!, 'normal')}; reduce: ${cellText(l.genotype!, 'reduce')}`})`,
};

/** Shapes that are summed or concatenated must agree. */
function agree(name: string, what: string, states: readonly PlanState[]): void {
  const shapes = states.map((s) => `[${s.shape.join(', ')}]`);
  if (new Set(shapes).size > 1) throw new ArchitectureError(name, `cells ${name}: ${what} have different shapes ${shapes.join(', ')}`);
}
