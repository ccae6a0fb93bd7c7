import type * as tf from '@tensorflow/tfjs';

import type { NativeAddon } from './native-addon.js';
import type { Inputs, KernelArgs } from './wasm-heap.js';

interface RefCounted {
  incRef(dataId: object): void;
}

/**
 * Identity as a new reference to the same heap block, as the wasm backend's own Reshape
 * (and the cpu backend's Identity) do; stock wasm copies the whole tensor, several times per
 * training step (tf.customGrad outputs, clones). Tensors are immutable, so sharing is safe.
 */
export function identity(_addon: NativeAddon, { inputs, backend }: KernelArgs): tf.TensorInfo | null {
  const { x } = inputs as unknown as Inputs<'x'>;
  if (x.dtype === 'string') return null;
  (backend as unknown as RefCounted).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}
