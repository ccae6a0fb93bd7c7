import type { Architecture } from '../search/index.js';
import { describeCnn } from './cnn-space.js';
import { describeMlp } from './mlp-space.js';
import { describeSparsity } from './sparsity-dimensions.js';

/** One-line summary of any architecture, for leaderboards and UIs. */
export function describeArchitecture(a: Architecture | null | undefined): string {
  if (!a) return '(none)';
  if (a.family === 'mlp') return describeMlp(a);
  if (a.family === 'cnn') return describeCnn(a);
  const label = typeof a.meta?.['label'] === 'string' ? a.meta['label'] : `${a.layers.length} layers`;
  return `${a.family} ${label} · ${describeSparsity(a.sparsity)}`;
}
