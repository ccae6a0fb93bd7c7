import * as tf from '@tensorflow/tfjs';
import { cellKeys, cellsLayout, type CellEdge, type CellsLayer, type PlanNode } from '../../../search/index.js';
import type { Forward, LayerBuilder } from './types.js';

/**
 * A DARTS cell network (search/layers/cell-layout.ts): the stem, then per cell its two
 * preprocessed inputs, each node the combination of its edges, the concat of `concat`. The
 * children are built in planning order, so records and masked kernels are in forward order.
 */
export const cellsBuilder: LayerBuilder<CellsLayer> = {
  type: 'cells',
  build(node, ctx) {
    const cells = wiring(node, (key) => ctx.chain(child(node, key)));
    const sum = (parts: tf.Tensor[]) => tf.addN(parts), concat = (parts: tf.Tensor[]) => tf.concat(parts, 3);
    return (x, o) => run<Forward, tf.Tensor>(cells, x, { apply: (f, h) => f(h, o), combine, sum, concat });
  },
  export(node, x, ctx) {
    const cells = wiring(node, (key) => (h: tf.SymbolicTensor) => ctx.chain(child(node, key), h));
    let added = 0;
    const add = (parts: tf.SymbolicTensor[]) => tf.layers.add({ name: `${node.name}.add_${added++}` }).apply(parts) as tf.SymbolicTensor;
    let joined = 0;
    const concat = (parts: tf.SymbolicTensor[]) => tf.layers.concatenate({ name: `${node.name}.concat_${joined++}`, axis: -1 }).apply(parts) as tf.SymbolicTensor;
    return run(cells, x, { apply: (f, h) => f(h), combine: (edge, outs) => exportCombine(node, edge, outs, add), sum: add, concat });
  },
};

interface Wired<F> {
  stem: F;
  cells: { pre: [F, F]; nodes: { edge: CellEdge; ops: F[] }[][]; concat: number[] }[];
}

function child(node: PlanNode<CellsLayer>, key: string): PlanNode[] {
  const nodes = node.children?.[key];
  if (!nodes) throw new Error(`cells ${node.name}: the plan has no ${key}`);
  return nodes;
}

/** The cell structure with each chain built by `chain`, in planning order. */
function wiring<F>(node: PlanNode<CellsLayer>, chain: (key: string) => F): Wired<F> {
  const layout = cellsLayout(node.spec);
  const stem = chain(cellKeys.stem);
  const cells = layout.cells.map((cell) => ({
    pre: [chain(cellKeys.pre(cell.index, 0)), chain(cellKeys.pre(cell.index, 1))] as [F, F],
    nodes: cell.nodes.map((edges, j) => edges.map((edge, k) => ({ edge, ops: edge.ops.map((op) => chain(cellKeys.op(cell.index, j, k, op))) }))),
    concat: cell.concat,
  }));
  return { stem, cells };
}

/** How `run` computes on one kind of tensor (raw tensors in training, symbolic ones in the export). */
interface Ops<F, T> {
  apply(chain: F, x: T): T;
  /** An edge's op outputs combined by the edge's rule. */
  combine(edge: CellEdge, outs: T[]): T;
  /** Two or more tensors summed (a node's edges). */
  sum(parts: T[]): T;
  concat(parts: T[]): T;
}

/** Node = sum of its edges, edge = its ops combined by its rule, cell output = concat of `concat`. */
function run<F, T>(w: Wired<F>, x: T, ops: Ops<F, T>): T {
  let s0 = ops.apply(w.stem, x);
  let s1 = s0;
  for (const cell of w.cells) {
    const states = [ops.apply(cell.pre[0], s0), ops.apply(cell.pre[1], s1)];
    for (const edges of cell.nodes) {
      const outs = edges.map(({ edge, ops: chains }) => ops.combine(edge, chains.map((c) => ops.apply(c, states[edge.from]!))));
      states.push(outs.length === 1 ? outs[0]! : ops.sum(outs));
    }
    const parts = cell.concat.map((i) => states[i]!);
    [s0, s1] = [s1, parts.length === 1 ? parts[0]! : ops.concat(parts)];
  }
  return s1;
}

/** An edge's ops combined by its rule: `sum` (DASS' supernet adds the α-weighted mixed op here). */
function combine(edge: CellEdge, outs: tf.Tensor[]): tf.Tensor {
  switch (edge.combine) {
    case 'sum': return outs.length === 1 ? outs[0]! : tf.addN(outs);
  }
}

function exportCombine(node: PlanNode, edge: CellEdge, outs: tf.SymbolicTensor[], add: (parts: tf.SymbolicTensor[]) => tf.SymbolicTensor): tf.SymbolicTensor {
  switch (edge.combine) {
    case 'sum': return outs.length === 1 ? outs[0]! : add(outs);
  }
  throw new Error(`cells ${node.name}: an edge combined by ${String(edge.combine)} has no tf.layers form`);
}
