import * as tf from '@tensorflow/tfjs';
import type { TrainingConfig } from '../search/index.js';

/**
 * Clip the global gradient norm (Pascanu et al. 2013), then add L2 weight decay on kernels
 * (g += λ·W): the order of PyTorch's `clip_grad_norm_` followed by an optimiser with
 * `weight_decay`, which the DARTS and Sparse-IFT recipes use. Gradients named in `skip` are
 * passed through unchanged (the sparse optimiser applies `scale` and the decay itself); they
 * still count towards the norm.
 */
export function regularise(grads: tf.NamedTensorMap, training: TrainingConfig, kernels: ReadonlyMap<string, tf.Variable>,
  skip?: ReadonlySet<string>, scale: tf.Scalar | undefined = clipScale(grads, training)): tf.NamedTensorMap {
  let out: tf.NamedTensorMap = grads;
  const keep = (name: string) => skip?.has(name) ?? false;
  if (scale) out = mapGrads(out, (name, g) => (keep(name) ? g : tf.mul(g, scale)));
  const wd = training.weightDecay ?? 0;
  if (wd > 0) out = mapGrads(out, (name, g) => { const v = kernels.get(name); return v && !keep(name) ? tf.add(g, tf.mul(v, wd)) : g; });
  return out;
}

/** The factor clip / max(‖g‖, clip) of global-norm clipping, or undefined without `gradClipNorm`. */
export function clipScale(grads: tf.NamedTensorMap, training: TrainingConfig): tf.Scalar | undefined {
  const clip = training.gradClipNorm;
  if (clip === undefined) return undefined;
  const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
  return tf.div(clip, tf.maximum(norm, clip)) as tf.Scalar;
}

function mapGrads(grads: tf.NamedTensorMap, f: (name: string, g: tf.Tensor) => tf.Tensor): tf.NamedTensorMap {
  return Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, f(name, g)]));
}

/**
 * Identity in the forward pass that records ∂L/∂W_eff on the way back: RigL's grow criterion
 * is the dense gradient of the effective weight, available in the same backward pass.
 */
export function captureGradient(w: tf.Tensor, name: string, into: Map<string, tf.Tensor>): tf.Tensor {
  const spy = tf.customGrad((x) => ({
    value: (x as tf.Tensor).clone(),
    gradFunc: (dy: tf.Tensor) => {
      into.get(name)?.dispose();
      into.set(name, tf.keep(dy.clone()));
      return dy;
    },
  }));
  return spy(w);
}
