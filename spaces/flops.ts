import { convOutputSize } from '../search/index.js';

// The analytic count lives in the core (search/architecture-count.ts), so the runner can check
// a search's constraints (maxNonzeros, maxSparseFlops) before training; re-exported here.
export { countArchitecture } from '../search/architecture-count.js';
export type { ArchitectureCount, LayerCount } from '../search/architecture-count.js';

/** tfjs output size: 'same' → ceil(n / stride); 'valid' → ceil((n − (k − 1)·d) / stride). */
export function convOut(h: number, w: number, k: number, stride: number, padding: 'same' | 'valid', dilation: number): [number, number] {
  return [convOutputSize(h, k, stride, dilation, padding), convOutputSize(w, k, stride, dilation, padding)];
}
