import * as tf from '@tensorflow/tfjs';
import { cellKeys, cellsLayout, type CellEdge, type CellsLayer, type CellType, type PlanNode } from '../../../search/index.js';
import type { BuiltForwardOptions, Forward, LayerBuilder } from './types.js';

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
    return (x, o) => {
      const mixed = mixedNode(node, o);
      const combineEdge = (edge: CellEdge, outs: tf.Tensor[]) => combine(edge, outs);
      const nodeOf = (parts: { edge: CellEdge; outs: tf.Tensor[] }[], type: CellType) =>
        parts.some((p) => p.edge.combine === 'mixed') ? mixed(parts, type) : parts.length === 1 ? combineEdge(parts[0]!.edge, parts[0]!.outs) : sum(parts.map((p) => combineEdge(p.edge, p.outs)));
      return run<Forward, tf.Tensor>(cells, x, { apply: (f, h) => f(h, o), combine: combineEdge, sum, concat, node: nodeOf });
    };
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
  cells: { type: CellType; pre: [F, F]; nodes: { edge: CellEdge; ops: F[] }[][]; concat: number[] }[];
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
    type: cell.type,
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
  combine(edge: CellEdge, outs: T[], type: CellType): T;
  /** Two or more tensors summed (a node's edges). */
  sum(parts: T[]): T;
  /** A whole node from its edges' op outputs, when given (instead of `combine` per edge, then `sum`). */
  node?(parts: { edge: CellEdge; outs: T[] }[], type: CellType): T;
  concat(parts: T[]): T;
}

/** Node = sum of its edges, edge = its ops combined by its rule, cell output = concat of `concat`. */
function run<F, T>(w: Wired<F>, x: T, ops: Ops<F, T>): T {
  let s0 = ops.apply(w.stem, x);
  let s1 = s0;
  for (const cell of w.cells) {
    const states = [ops.apply(cell.pre[0], s0), ops.apply(cell.pre[1], s1)];
    for (const edges of cell.nodes) {
      const parts = edges.map(({ edge, ops: chains }) => ({ edge, outs: chains.map((c) => ops.apply(c, states[edge.from]!)) }));
      if (ops.node) {
        states.push(ops.node(parts, cell.type));
        continue;
      }
      const outs = parts.map((p) => ops.combine(p.edge, p.outs, cell.type));
      states.push(outs.length === 1 ? outs[0]! : ops.sum(outs));
    }
    const parts = cell.concat.map((i) => states[i]!);
    [s0, s1] = [s1, parts.length === 1 ? parts[0]! : ops.concat(parts)];
  }
  return s1;
}

/** An edge's ops summed (a derived cell's edges have one op each). */
function combine(edge: CellEdge, outs: tf.Tensor[]): tf.Tensor {
  return outs.length === 1 ? outs[0]! : tf.addN(outs);
}

/**
 * A supernet node, Σ_edges Σ_o w_o·o(x), with w = row `edge.alpha` of the cell type's mixing
 * weights `o.alpha(type)` (softmax(α), from the training method), read once per cell type and
 * forward pass (inside the caller's tape, so ∂/∂α flows). `none` contributes zeros: its term
 * is skipped (the same value and gradient). The node is one `weightedSum`, so the tape keeps
 * the op outputs and not every scaled copy w_o·o(x) as well.
 */
function mixedNode(node: PlanNode<CellsLayer>, o: BuiltForwardOptions): (parts: { edge: CellEdge; outs: tf.Tensor[] }[], type: CellType) => tf.Tensor {
  const rows = new Map<CellType, tf.Tensor[][]>();
  return (parts, type) => {
    let w = rows.get(type);
    if (!w) {
      if (!o.alpha) throw new Error(`cells ${node.name} is a supernet: its forward needs the mixing weights of each cell type (ForwardOptions.alpha), which a training method such as dass provides; train it with training.method`);
      const weights = o.alpha(type);
      const expected = [cellsLayout(node.spec).cells.find((c) => c.type === type)!.nodes.flat().length, parts[0]!.outs.length];
      if (weights.shape.join() !== expected.join()) throw new Error(`cells ${node.name}: the ${type} mixing weights have shape [${weights.shape.join(', ')}], the supernet needs [${expected.join(', ')}] (edges × ops)`);
      w = tf.unstack(weights).map((r) => tf.unstack(r));
      rows.set(type, w);
    }
    const terms: tf.Tensor[] = [], scales: tf.Tensor[] = [];
    for (const { edge, outs } of parts) {
      const row = w[edge.alpha!]!;
      outs.forEach((t, k) => {
        if (edge.ops[k] === 'none') return;
        terms.push(t);
        scales.push(row[k]!);
      });
    }
    return terms.length === 0 ? parts[0]!.outs[0]! : weightedSum(terms, scales);
  };
}

/**
 * Σ_k w_k·t_k (t_k of one shape, w_k scalars) as one tape node that saves the t_k and w_k:
 * ∂t_k = w_k·dy, ∂w_k = Σ dy ⊙ t_k. The same value and gradients as tf.addN of tf.mul, whose
 * tape also keeps every w_k·t_k (AddN saves its inputs) until the backward.
 */
export function weightedSum(terms: readonly tf.Tensor[], weights: readonly tf.Tensor[]): tf.Tensor {
  if (terms.length !== weights.length || terms.length === 0) throw new Error(`weightedSum: ${terms.length} terms and ${weights.length} weights; give one scalar weight per term`);
  const K = terms.length;
  const f = tf.customGrad(((...args: unknown[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs = args.slice(0, 2 * K) as tf.Tensor[];
    save(inputs);
    let acc = tf.mul(inputs[0]!, inputs[K]!);
    for (let k = 1; k < K; k++) {
      const scaled = tf.mul(inputs[k]!, inputs[K + k]!);
      const next = tf.add(acc, scaled);
      tf.dispose([acc, scaled]);
      acc = next;
    }
    return {
      value: acc,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => [
        ...saved.slice(0, K).map((_, k) => tf.mul(dy, saved[K + k]!)),
        ...saved.slice(0, K).map((t, k) => tf.reshape(tf.sum(tf.mul(dy, t)), saved[K + k]!.shape)),
      ]),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...t: tf.Tensor[]) => tf.Tensor;
  return f(...terms, ...weights);
}

function exportCombine(node: PlanNode, edge: CellEdge, outs: tf.SymbolicTensor[], add: (parts: tf.SymbolicTensor[]) => tf.SymbolicTensor): tf.SymbolicTensor {
  switch (edge.combine) {
    case 'sum': return outs.length === 1 ? outs[0]! : add(outs);
  }
  throw new Error(`cells ${node.name} is a supernet: its mixed edges have no tf.layers form; export a trial of its derived cell instead`);
}
