import * as tf from '@tensorflow/tfjs';
import type { Activation, ActivationLayer } from '../../../search/index.js';
import { activate } from '../ops.js';
import type { BuiltForwardOptions, LayerBuilder } from './types.js';

/**
 * Activations already computed in one forward pass, by the options object of that pass (a
 * network's `apply` makes one per call and every layer passes it on) and input tensor. A DARTS
 * cell feeds each node's output to several edges whose ops all open with a ReLU (sep_conv,
 * dil_conv; in a supernet every edge has both), so a node's ReLU was computed once per consuming
 * op: 8 times for a cell input of a 4-node supernet cell. Sharing it is the same value and,
 * through the tape's sum over consumers, the same gradient, with one op instead of several
 * forward and back. Tensors are immutable, so a hit is the value recomputing would give; a
 * result some consumer disposed is computed again.
 */
const computed = new WeakMap<BuiltForwardOptions, WeakMap<tf.Tensor, Map<Activation, tf.Tensor>>>();

function sharedActivation(x: tf.Tensor, activation: Activation, o: BuiltForwardOptions): tf.Tensor {
  if (activation === 'linear') return x;
  let byInput = computed.get(o);
  if (!byInput) computed.set(o, byInput = new WeakMap());
  let done = byInput.get(x);
  if (!done) byInput.set(x, done = new Map());
  const hit = done.get(activation);
  if (hit && !hit.isDisposed) return hit;
  const y = activate(x, activation);
  done.set(activation, y);
  return y;
}

export const activationBuilder: LayerBuilder<ActivationLayer> = {
  type: 'activation',
  build: ({ spec }) => (x, o) => sharedActivation(x, spec.activation, o),
  export: ({ name, spec }, x) => tf.layers.activation({ name, activation: spec.activation }).apply(x) as tf.SymbolicTensor,
};
