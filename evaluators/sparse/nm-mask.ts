import * as tf from '@tensorflow/tfjs';

/**
 * N:M masks (Zhou et al. 2021; NVIDIA 2:4): in every group of M consecutive weights along the
 * input-channel axis keep the N of largest score (|w|). Groups run along `inputAxis` for every
 * fixed position of the other axes (dense [in, out]: axis 0; conv [kh, kw, in, out]: axis 2).
 *
 * Choice for an axis length L not divisible by M: the trailing partial group of r = L mod M
 * weights keeps ceil(N·r/M), the same density as a full group rounded up (e.g. a first conv with
 * 3 input channels under 2:4 keeps 2 of 3). Full groups always keep exactly N.
 */
export function nmKeepInPartialGroup(r: number, n: number, m: number): number {
  return Math.ceil((n * r) / m);
}

/** Non-zeros an N:M mask leaves along an axis of length `len` (per fixed position of the other axes). */
export function nmKeptAlongAxis(len: number, n: number, m: number): number {
  const r = len % m;
  return Math.floor(len / m) * n + (r > 0 ? nmKeepInPartialGroup(r, n, m) : 0);
}

/** Float32 0/1 mask of `scores`' shape keeping the N largest scores per M-group along `inputAxis`. Caller disposes. */
export function nmMaskFromScores(scores: tf.Tensor, n: number, m: number, inputAxis: number): tf.Tensor {
  return tf.tidy(() => {
    const rank = scores.rank;
    const perm = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== inputAxis);
    perm.push(inputAxis);
    const moved = rank === 1 ? scores : tf.transpose(scores, perm);
    const len = scores.shape[inputAxis]!;
    const rows = moved.size / len;
    const flat = tf.reshape(moved, [rows, len]);
    const full = Math.floor(len / m) * m;
    const parts: tf.Tensor[] = [];
    if (full > 0) parts.push(keepTopPerGroup(tf.slice(flat, [0, 0], [rows, full]), m, n));
    if (full < len) {
      const r = len - full;
      parts.push(keepTopPerGroup(tf.slice(flat, [0, full], [rows, r]), r, nmKeepInPartialGroup(r, n, m)));
    }
    const mask2d = parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
    const maskMoved = tf.reshape(mask2d, moved.shape);
    if (rank === 1) return maskMoved;
    const inverse = new Array<number>(rank);
    perm.forEach((p, i) => { inverse[p] = i; });
    return tf.transpose(maskMoved, inverse);
  });
}

/** N:M magnitude mask of a weight tensor. */
export function nmMask(weight: tf.Tensor, n: number, m: number, inputAxis: number): tf.Tensor {
  return tf.tidy(() => nmMaskFromScores(tf.abs(weight), n, m, inputAxis));
}

/** [rows, G·size] → 0/1 mask keeping the `keep` largest entries of every consecutive block of `size`. */
function keepTopPerGroup(x: tf.Tensor, size: number, keep: number): tf.Tensor {
  const [rows, cols] = x.shape as [number, number];
  const groups = tf.reshape(x, [rows * (cols / size), size]) as tf.Tensor2D;
  const { indices } = tf.topk(groups, keep);
  // oneHot of the kept indices summed over the k axis: a 0/1 row per group.
  const chosen = tf.sum(tf.oneHot(indices, size), 1);
  return tf.reshape(tf.cast(chosen, 'float32'), [rows, cols]);
}
