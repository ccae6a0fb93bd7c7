import type * as tf from '@tensorflow/tfjs';
import { KernelError } from './kernel-error.js';
import { stockKernel } from './stock-kernels.js';

type Info = tf.TensorInfo;
type Shape4 = [number, number, number, number];
export type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/** The part of a tfjs backend a composed kernel needs: freeing intermediate results. */
interface DisposingBackend {
  disposeData(dataId: object, force?: boolean): boolean | void;
}

/**
 * Builds one kernel out of other (stock) kernels at the TensorInfo level, the way tfjs's own
 * backends compose kernels: no Tensor objects, no engine bookkeeping, no gradient tape. Every
 * intermediate is freed when the body returns, except the result.
 */
export class KernelScope {
  private readonly temps: Info[] = [];

  private constructor(
    readonly backend: object,
    readonly backendName: string,
    readonly kernelName: string,
  ) {}

  /** Run `body` and free everything it made except the returned TensorInfo. */
  static compose(backend: object, backendName: string, kernelName: string, body: (s: KernelScope) => Info): Info {
    const scope = new KernelScope(backend, backendName, kernelName);
    let result: Info | undefined;
    try {
      result = body(scope);
      return result;
    } finally {
      scope.dispose(result);
    }
  }

  /** Run the stock kernel `name` of this backend. */
  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): Info {
    const out = stockKernel(this.backendName, name).kernelFunc({ inputs, attrs, backend: this.backend });
    if (Array.isArray(out)) throw new KernelError(this.kernelName, `stock kernel ${name} returned several outputs`);
    this.temps.push(out);
    return out;
  }

  /** A float32 constant made on this backend from host values (freed with the scope). */
  constant(shape: number[], values: Float32Array): Info {
    const out = (this.backend as { makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): Info }).makeTensorInfo(shape, 'float32', values);
    this.temps.push(out);
    return out;
  }

  transpose(x: Info, perm: number[]): Info {
    return this.run('Transpose', { x }, { perm });
  }

  reshape(x: Info, shape: number[]): Info {
    return this.run('Reshape', { x }, { shape });
  }

  /** Sum over `axis`, dropping it. */
  sum(x: Info, axis: number): Info {
    return this.run('Sum', { x }, { axis: [axis], keepDims: false });
  }

  /** Slice `size` from `begin`; skipped when it would copy the whole tensor. */
  slice(x: Info, begin: number[], size: number[]): Info {
    const whole = begin.every((b) => b === 0) && size.every((n, i) => n === x.shape[i]);
    return whole ? x : this.run('Slice', { x }, { begin, size });
  }

  /** Flip the two spatial axes of an HWIO / HWCM filter (correlation ↔ convolution). */
  flipSpatial(filter: Info): Info {
    return this.run('Reverse', { x: filter }, { dims: [0, 1] });
  }

  /**
   * Insert `stride − 1` zeros after every row and column of an NHWC tensor, so a strided
   * convolution's input gradient becomes a stride-1 convolution (the "fractionally strided"
   * view of a transposed convolution, Dumoulin & Visin 2016, §4.3). Rows grow to out·stride.
   */
  zeroInsert(x: Info, [sh, sw]: [number, number]): Info {
    if (sh === 1 && sw === 1) return x;
    const [n, h, w, c] = x.shape as Shape4;
    const spread = this.reshape(x, [n, h, 1, w, 1, c]);
    const padded = this.run('PadV2', { x: spread }, {
      paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
      constantValue: 0,
    });
    return this.reshape(padded, [n, h * sh, w * sw, c]);
  }

  private dispose(keep: Info | undefined): void {
    const backend = this.backend as DisposingBackend;
    for (const t of this.temps) {
      // A kept result may share its dataId with a temp (Reshape only adds a reference), so
      // only the kept TensorInfo object itself is skipped; refcounts do the rest.
      if (t !== keep) backend.disposeData(t.dataId);
    }
    this.temps.length = 0;
  }
}
