import * as tf from '@tensorflow/tfjs';
import type { PlanNode, SumLayer } from '../../../search/index.js';
import { activate } from '../ops.js';
import type { LayerBuilder } from './types.js';

const branches = (node: PlanNode<SumLayer>) => node.spec.branches.map((_, b) => node.children![`b${b}`]!);

export const sumBuilder: LayerBuilder<SumLayer> = {
  type: 'sum',
  build(node, ctx) {
    const forwards = branches(node).map((b) => ctx.chain(b));
    return (x, o) => {
      const outs = forwards.map((f) => f(x, o));
      return activate(outs.length === 1 ? outs[0]! : tf.addN(outs), node.spec.activation!);
    };
  },
  export(node, x, ctx) {
    const { name } = node, activation = node.spec.activation!;
    const outs = branches(node).map((b) => ctx.chain(b, x));
    const summed = outs.length === 1 ? outs[0]! : (tf.layers.add({ name }).apply(outs) as tf.SymbolicTensor);
    const named = outs.length === 1 ? name : `${name}.activation`;
    return activation === 'linear' ? summed : (tf.layers.activation({ name: named, activation }).apply(summed) as tf.SymbolicTensor);
  },
};
