import type { Activation, LayerSpec } from '../architecture.js';
import { ArchitectureError } from '../errors.js';

/** Output size of a convolution or pool along one spatial axis, with tfjs' padding rules. */
export function convOutputSize(size: number, kernel: number, stride: number, dilation: number, padding: 'same' | 'valid'): number {
  const effective = (kernel - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(size / stride) : Math.ceil((size - effective + 1) / stride);
}

export function product(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The input as [h, w, c], or the error a layer that needs an image gives for a flat one. */
export function imageInput(name: string, type: string, shape: readonly number[]): [number, number, number] {
  if (shape.length !== 3) {
    throw new ArchitectureError(name, `layer ${name} (${type}) needs an image input [h, w, c] but gets [${shape.join(', ')}]; put it before any flatten/dense layer or use input: 'image'`);
  }
  return shape as [number, number, number];
}

/** Spatial output of a k×k window over an image; `refuse` gives the error when it does not fit. */
export function windowOutput(h: number, w: number, k: number, stride: number, dilation: number, padding: 'same' | 'valid',
  refuse: () => string, name: string): [number, number] {
  const ho = convOutputSize(h, k, stride, dilation, padding), wo = convOutputSize(w, k, stride, dilation, padding);
  if (ho < 1 || wo < 1) throw new ArchitectureError(name, refuse());
  return [ho, wo];
}

/** Output nodes a `keepNodes` list removes (sorted), after checking every index. */
export function removedByKeep(name: string, keep: readonly number[] | undefined, n: number): number[] {
  if (!keep) return [];
  const kept = new Set<number>();
  for (const k of keep) {
    if (!Number.isInteger(k) || k < 0 || k >= n) throw new ArchitectureError(name, `layer ${name}: keepNodes index ${k} is outside 0..${n - 1}`);
    kept.add(k);
  }
  if (kept.size === 0) throw new ArchitectureError(name, `layer ${name}: keepNodes keeps no node; keep at least one`);
  const removed: number[] = [];
  for (let i = 0; i < n; i++) if (!kept.has(i)) removed.push(i);
  return removed;
}

/** The activation a weighted/sum layer applies after its linear part. */
export function activationOf(spec: LayerSpec): Activation {
  return ('activation' in spec && spec.activation) || 'linear';
}

/** Bias adds and the activation of a layer's output (the extra FLOPs of weighted layers). */
export function biasAndActivationFlops(outShape: readonly number[], bias: boolean, activation: Activation): number {
  const out = product(outShape);
  return (bias ? out : 0) + (activation === 'linear' ? 0 : out);
}

/** `s2` / `d2` suffixes of a convolution token when stride or dilation exceed 1. */
export function geometryToken(stride?: number, dilation?: number): string {
  return `${stride && stride > 1 ? `s${stride}` : ''}${dilation && dilation > 1 ? `d${dilation}` : ''}`;
}

/** `8` or, under a node mask, `3/8`. */
export function keptToken(total: number, keep?: readonly number[]): string {
  return keep ? `${keep.length}/${total}` : `${total}`;
}

/**
 * `spec` over `defaults`, where a key set to `undefined` keeps its default: transforms write
 * `{ ...l, stride: l.stride }`, and JSON drops such keys anyway, so both must mean the same.
 */
export function fillDefaults<S extends object>(defaults: Partial<S>, spec: S): S {
  const out: Record<string, unknown> = { ...defaults };
  for (const [k, v] of Object.entries(spec)) if (v !== undefined) out[k] = v;
  return out as S;
}
