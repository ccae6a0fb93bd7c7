import * as tf from '@tensorflow/tfjs';
import type { Architecture } from '../search/index.js';
import { readTrialArtifacts, type TrialArtifacts } from './artifacts.js';
import { chooseBackend } from './backend.js';
import { ArtifactError } from './errors.js';
import { fileSaveHandler } from './file-io.js';
import { BN_EPSILON, BN_MOMENTUM } from './network/build-network.js';
import { dilateFilter } from './kernels/dilated-conv.js';
import { activationOf, planNetwork, type PlanNode } from './network/plan.js';

export type WeightSource = ReadonlyMap<string, { shape: number[]; values: Float32Array }>;

/**
 * A standard tf.LayersModel equivalent to the raw-op network: same plan (names, automatic
 * flattens, classifier), masked weights as plain dense weights, `sum` as tf.layers.add.
 * Anyone can load it with tf.loadLayersModel, without sparsenas.
 *
 * tf.layers refuses stride > 1 together with dilation > 1; such a convolution is exported
 * with its filter dilated explicitly (zeros between the taps) and dilation 1, as it is trained.
 */
export function buildLayersModel(arch: Architecture, inputShape: number[], classes: number, weights: WeightSource): tf.LayersModel {
  const plan = planNetwork(arch, inputShape, classes);
  const pending: Pending = [];
  const input = tf.input({ shape: inputShape });
  const output = applyNodes(plan.nodes, input, pending);
  const model = tf.model({ inputs: input, outputs: output, name: arch.family });
  for (const { layer, names, dilate } of pending) {
    const values = names.map((name, i) => {
      const w = weights.get(name);
      if (!w) throw new ArtifactError(name, `the saved weights have no ${name}; they do not belong to this architecture`);
      // Only the first weight of a conv layer is its (depthwise) filter.
      if (!dilate || i > 0) return tf.tensor(w.values, w.shape);
      return tf.tidy(() => dilateFilter(tf.tensor4d(w.values, w.shape as [number, number, number, number]), dilate));
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
  return model;
}

/**
 * Export a trial's saved weights (a directory written with `artifactDir`, or what
 * `readTrialArtifacts` read from one) as model.json + weights.bin in `outDir`.
 */
export async function exportTrialModel(trial: string | TrialArtifacts, outDir: string): Promise<tf.io.SaveResult> {
  const saved = typeof trial === 'string' ? await readTrialArtifacts(trial) : trial;
  // Keep a backend already in use (a search in this process); else take the fastest, which
  // also keeps tfjs' "install tfjs-node" banner off stdout.
  if (!tf.engine().backendName) await chooseBackend('auto');
  const model = buildLayersModel(saved.architecture, saved.manifest.inputShape, saved.manifest.classes, saved.weights);
  try {
    return await model.save(fileSaveHandler(outDir));
  } finally {
    model.dispose();
  }
}

type Pending = { layer: tf.layers.Layer; names: string[]; dilate?: number }[];

function applyNodes(nodes: readonly PlanNode[], x: tf.SymbolicTensor, pending: Pending): tf.SymbolicTensor {
  return nodes.reduce((h, n) => applyNode(n, h, pending), x);
}

function applyNode(node: PlanNode, x: tf.SymbolicTensor, pending: Pending): tf.SymbolicTensor {
  const spec = node.spec;
  const name = node.name;
  const activation = activationOf(spec);
  const add = (layer: tf.layers.Layer, names: string[] = [], dilate?: number) => {
    if (names.length) pending.push({ layer, names, dilate });
    return layer.apply(x) as tf.SymbolicTensor;
  };
  const conv = (stride: number, dilation: number) => {
    // Both > 1 is refused by tf.layers: pre-dilate the filter instead.
    const explicit = stride > 1 && dilation > 1;
    return { strides: stride, dilationRate: explicit ? 1 : dilation, explicit };
  };
  switch (spec.type) {
    case 'dense':
      return add(tf.layers.dense({ name, units: spec.units, activation, useBias: spec.useBias }), withBias([`${name}/kernel`], name, spec.useBias!));
    case 'conv2d': {
      const c = conv(spec.stride!, spec.dilation!);
      const kernelSize = c.explicit ? (spec.kernel - 1) * spec.dilation! + 1 : spec.kernel;
      return add(tf.layers.conv2d({ name, filters: spec.filters, kernelSize, strides: c.strides, dilationRate: c.dilationRate, padding: spec.padding, activation, useBias: spec.useBias }),
        withBias([`${name}/kernel`], name, spec.useBias!), c.explicit ? spec.dilation : undefined);
    }
    case 'depthwiseConv2d': {
      const c = conv(spec.stride!, spec.dilation!);
      const kernelSize = c.explicit ? (spec.kernel - 1) * spec.dilation! + 1 : spec.kernel;
      return add(tf.layers.depthwiseConv2d({ name, kernelSize, depthMultiplier: spec.depthMultiplier, strides: c.strides, dilationRate: c.dilationRate, padding: spec.padding, activation, useBias: true }),
        [`${name}/depthwise_kernel`, `${name}/bias`], c.explicit ? spec.dilation : undefined);
    }
    case 'separableConv2d': {
      const c = conv(spec.stride!, spec.dilation!);
      const kernelSize = c.explicit ? (spec.kernel - 1) * spec.dilation! + 1 : spec.kernel;
      return add(tf.layers.separableConv2d({ name, filters: spec.filters, kernelSize, depthMultiplier: 1, strides: c.strides, dilationRate: c.dilationRate, padding: spec.padding, activation, useBias: true }),
        [`${name}/depthwise_kernel`, `${name}/pointwise_kernel`, `${name}/bias`], c.explicit ? spec.dilation : undefined);
    }
    case 'maxPool':
      return add(tf.layers.maxPooling2d({ name, poolSize: spec.size, strides: spec.stride, padding: spec.padding }));
    case 'avgPool':
      return add(tf.layers.averagePooling2d({ name, poolSize: spec.size, strides: spec.stride, padding: spec.padding }));
    case 'globalAvgPool':
      return add(tf.layers.globalAveragePooling2d({ name }));
    case 'flatten':
      return node.inShape.length === 1 ? x : add(tf.layers.flatten({ name }));
    case 'batchNorm': {
      const affine = spec.affine !== false;
      const names = [...(affine ? [`${name}/gamma`, `${name}/beta`] : []), `${name}/movingMean`, `${name}/movingVariance`];
      return add(tf.layers.batchNormalization({ name, axis: -1, epsilon: BN_EPSILON, momentum: BN_MOMENTUM, center: affine, scale: affine }), names);
    }
    case 'activation':
      return add(tf.layers.activation({ name, activation }));
    case 'dropout':
      return add(tf.layers.dropout({ name, rate: spec.rate }));
    case 'sum': {
      const outs = node.branches!.map((b) => applyNodes(b, x, pending));
      const summed = outs.length === 1 ? outs[0]! : (tf.layers.add({ name }).apply(outs) as tf.SymbolicTensor);
      const named = outs.length === 1 ? name : `${name}.activation`;
      return activation === 'linear' ? summed : (tf.layers.activation({ name: named, activation }).apply(summed) as tf.SymbolicTensor);
    }
  }
}

function withBias(names: string[], layer: string, useBias: boolean): string[] {
  return useBias ? [...names, `${layer}/bias`] : names;
}
