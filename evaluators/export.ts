import * as tf from '@tensorflow/tfjs';
import { planNetwork, type Architecture } from '../search/index.js';
import { readTrialArtifacts, type TrialArtifacts } from './artifacts.js';
import { chooseBackend } from './backend.js';
import { ArtifactError } from './errors.js';
import { fileSaveHandler } from './file-io.js';
import { dilateFilter } from './kernels/dilated-conv.js';
import { layerBuilder } from './network/layers/registry.js';
import type { ExportContext } from './network/layers/types.js';

export type WeightSource = ReadonlyMap<string, { shape: number[]; values: Float32Array }>;

/**
 * A standard tf.LayersModel equivalent to the raw-op network: same plan (names, automatic
 * flattens, classifier), masked weights as plain dense weights, each layer as its builder
 * writes it (`network/layers/<type>.ts`; `sum` as tf.layers.add). Anyone can load it with
 * tf.loadLayersModel, without sparsenas.
 */
export function buildLayersModel(arch: Architecture, inputShape: number[], classes: number, weights: WeightSource): tf.LayersModel {
  const plan = planNetwork(arch, inputShape, classes);
  const pending: { layer: tf.layers.Layer; names: string[]; dilate?: number }[] = [];
  const ctx: ExportContext = {
    chain: (nodes, x) => nodes.reduce((h, n) => layerBuilder(n.spec, n.name).export(n, h, ctx), x),
    load: (layer, names, dilate) => { if (names.length) pending.push({ layer, names, dilate }); },
  };
  const input = tf.input({ shape: inputShape });
  const output = ctx.chain(plan.nodes, input);
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
