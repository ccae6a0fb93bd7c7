import type { Activation, LayerSpec } from '../architecture.js';
import { ArchitectureError } from '../errors.js';
import { activationOf, biasAndActivationFlops, fillDefaults, product } from './geometry.js';
import type { LayerDescriptor, PlanNode, PlanState } from './types.js';

/** Parallel branches whose outputs are summed (Sparse-IFT Parallel and Doped). */
export interface SumLayer { type: 'sum'; branches: LayerSpec[][]; activation?: Activation; name?: string }

/**
 * Every branch gets the same input and they must agree in shape; an empty branch is the
 * identity. Children are `b0`, `b1`, … A summed node is removed only if every branch removed it.
 */
export const sumDescriptor: LayerDescriptor<SumLayer> = {
  type: 'sum',
  title: 'sum of branches',
  prefix: 'sum',
  weighted: false,
  withDefaults: (spec) => fillDefaults({ activation: 'linear' }, spec),
  plan(spec, input, ctx) {
    const name = input.name;
    if (spec.branches.length < 1) throw new ArchitectureError(name, `sum ${name} has no branches`);
    // Each branch starts where the sum starts: the first weighted layer of every branch is `first`.
    const before = ctx.weightedSeen;
    let seen = before;
    const ends: PlanState[] = [];
    const children: Record<string, PlanNode[]> = {};
    spec.branches.forEach((branch, b) => {
      ctx.weightedSeen = before;
      const planned = ctx.chain(branch, `${name}.b${b}.`, input);
      children[`b${b}`] = planned.nodes;
      ends.push(planned.end);
      seen ||= ctx.weightedSeen;
    });
    ctx.weightedSeen = seen;
    const shape = ends[0]!.shape;
    for (const [b, e] of ends.entries()) {
      if (e.shape.join() !== shape.join()) {
        throw new ArchitectureError(name, `the branches of sum ${name} produce different shapes: branch ${b} outputs [${e.shape.join(', ')}] but branch 0 outputs [${shape.join(', ')}]; branches must agree`);
      }
    }
    return { outShape: shape, removedOut: ends[0]!.removed.filter((r) => ends.every((e) => e.removed.includes(r))), children };
  },
  weights: () => [],
  extraFlops: (node) => (node.spec.branches.length - 1) * product(node.outShape) + biasAndActivationFlops(node.outShape, false, activationOf(node.spec)),
  describe: (l, ctx) => `sum(${l.branches.map((b) => ctx.chain(b)).join('|')})${ctx.activation(l)}`,
  nested: (spec) => spec.branches,
};
