import type * as tf from '@tensorflow/tfjs';
import type { GroupUnit } from '../../../search/index.js';
import type { Network } from '../../network/types.js';
import type { MaskedParam } from '../../sparse/types.js';

/** One kernel under a group penalty, and how its groups map back to a layer's output units. */
export interface GroupedKernel {
  /** Layer whose output units the groups stand for: `survivors[layer]` in the outputs. */
  layer: string;
  param: MaskedParam;
  /** Kernel axis a group is a slice of; null: every weight is its own group. */
  axis: number | null;
  /** Output-unit groups include the unit's bias, so a zeroed unit outputs act(0) (0 for ReLU). */
  bias?: tf.Variable;
  count: number;
}

/** Layers that pass channels through unchanged (so channel c downstream is channel c upstream). */
const CHANNEL_PRESERVING = new Set(['maxPool', 'avgPool', 'batchNorm', 'activation', 'dropout', 'globalAvgPool']);

/**
 * The kernels a group regulariser acts on [choice, documented]:
 * - `neuron` / `filter`: output units of every hidden dense, conv2d and separable (pointwise)
 *   layer, i.e. kernel slices along the output axis (dense [in, out] columns, conv [kh, kw, in, out]
 *   filters) together with their bias entries. The classifier is never grouped; depthwise
 *   kernels are not (a separable layer's width is its pointwise filters).
 * - `channel`: input channels (dense rows, conv axis 2) of every dense/conv2d kernel, the
 *   classifier included, whose input comes straight from another grouped layer through
 *   channel-preserving layers (pool, BN, activation, dropout, global pooling, a flatten of a
 *   1-D or 1×1 tensor); a dropped input channel removes the producer's output unit, which is
 *   where the survivors are reported. Kernels fed by the data, a real flatten, a depthwise,
 *   separable or `sum` layer are left alone.
 * - `weight`: every weight of the hidden dense/conv2d/pointwise kernels; survivors are the
 *   output units that keep at least one weight.
 */
export function groupedKernels(net: Network, unit: GroupUnit): GroupedKernel[] {
  const out: GroupedKernel[] = [];
  if (unit === 'channel') {
    let producer: { name: string; width: number } | undefined;
    for (const node of net.plan.nodes) {
      const t = node.spec.type;
      const record = net.records.find((r) => r.node === node);
      if (t === 'dense' || t === 'conv2d') {
        const param = record!.kernels[0]!;
        const inC = node.inShape[node.inShape.length - 1]!;
        if (producer && producer.width === inC) out.push({ layer: producer.name, param, axis: param.inputAxis, count: inC });
        producer = node.role === 'classifier' ? undefined : { name: node.name, width: node.outShape[node.outShape.length - 1]! };
      } else if (t === 'separableConv2d') {
        producer = { name: node.name, width: node.outShape[node.outShape.length - 1]! };
      } else if (t === 'flatten') {
        if (node.inShape.length !== 1 && node.inShape.slice(0, -1).some((d) => d !== 1)) producer = undefined;
      } else if (!CHANNEL_PRESERVING.has(t)) {
        producer = undefined;
      }
    }
    return out;
  }
  for (const record of net.records) {
    const node = record.node;
    const t = node.spec.type;
    if (node.role === 'classifier' || (t !== 'dense' && t !== 'conv2d' && t !== 'separableConv2d')) continue;
    const param = t === 'separableConv2d' ? record.kernels.find((p) => p.name.endsWith('.pointwise'))! : record.kernels[0]!;
    if (unit === 'weight') {
      out.push({ layer: node.name, param, axis: null, count: param.weight.size });
      continue;
    }
    const count = param.weight.shape[param.outputAxis]!;
    const bias = biasOf(net, param, node.name);
    out.push({ layer: node.name, param, axis: param.outputAxis, count, ...(bias ? { bias } : {}) });
  }
  return out;
}

/** The layer's bias variable: the builder names it `<uid>/<layer>/bias` beside `<uid>/<param>/kernel`. */
function biasOf(net: Network, param: MaskedParam, layer: string): tf.Variable | undefined {
  const suffix = `/${param.name}/kernel`;
  if (!param.weight.name.endsWith(suffix)) return undefined;
  const name = `${param.weight.name.slice(0, -suffix.length)}/${layer}/bias`;
  return net.trainable.find((v) => v.name === name);
}
