import * as tf from '@tensorflow/tfjs';

import type { NativeAddon } from './native-addon.js';
import { identity } from './identity-kernel.js';
import { type Inputs, isFloat32, type KernelArgs, type NativeKernelBody, WasmHeap } from './wasm-heap.js';

/** `enum spn_binary_op`, `enum spn_broadcast` and `enum spn_unary_op` of native/src/elementwise.h. */
const BINARY_OPS = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3 } as const;
const UNARY_OPS = { Sqrt: 0, Square: 1, Relu: 2, Step: 3 } as const;
const enum Broadcast { None = 0, AScalar = 1, BScalar = 2, ARow = 3, BRow = 4 }

const sameShape = (x: number[], y: number[]): boolean => x.length === y.length && x.every((d, i) => d === y[i]);

/** A vector along the last axis, e.g. a bias [C] or [1, C] against [N, H, W, C]. */
const isRowOf = (v: number[], full: number[]): boolean =>
  full.length > 0 && v.length <= full.length && v.slice(0, -1).every((d) => d === 1) && v[v.length - 1] === full[full.length - 1];

/** The broadcast patterns of Adam updates and bias adds; anything else goes to the previous kernel. */
function planBroadcast(a: number[], b: number[]): { mode: Broadcast; row: number; out: number[] } | null {
  if (sameShape(a, b)) return { mode: Broadcast.None, row: 1, out: a };
  const out = tf.broadcast_util.assertAndGetBroadcastShape(a, b);
  const sa = tf.util.sizeFromShape(a);
  const sb = tf.util.sizeFromShape(b);
  if (sa === 1 && sameShape(out, b)) return { mode: Broadcast.AScalar, row: 1, out };
  if (sb === 1 && sameShape(out, a)) return { mode: Broadcast.BScalar, row: 1, out };
  if (sameShape(out, a) && isRowOf(b, a)) return { mode: Broadcast.BRow, row: sb, out };
  if (sameShape(out, b) && isRowOf(a, b)) return { mode: Broadcast.ARow, row: sa, out };
  return null;
}

export function binary(kernelName: keyof typeof BINARY_OPS): NativeKernelBody {
  const op = BINARY_OPS[kernelName];
  return (addon, { inputs, backend }) => {
    const { a, b } = inputs as unknown as Inputs<'a' | 'b'>;
    if (!isFloat32(a, b)) return null;
    const plan = planBroadcast(a.shape, b.shape);
    if (plan === null) return null;
    const mem = new WasmHeap(backend);
    const out = mem.output([...plan.out]);
    const n = tf.util.sizeFromShape(plan.out);
    if (n > 0) addon.binary(mem.heap, op, plan.mode, mem.offset(a), mem.offset(b), mem.offset(out), n, plan.row);
    return out;
  };
}

export function unary(kernelName: keyof typeof UNARY_OPS): NativeKernelBody {
  const op = UNARY_OPS[kernelName];
  return (addon, { inputs, backend, attrs }) => {
    const { x } = inputs as unknown as Inputs<'x'>;
    if (!isFloat32(x)) return null;
    const mem = new WasmHeap(backend);
    const out = mem.output([...x.shape]);
    const n = tf.util.sizeFromShape(x.shape);
    const alpha = kernelName === 'Step' ? ((attrs as unknown as tf.StepAttrs).alpha ?? 0) : 0;
    if (n > 0) addon.unary(mem.heap, op, mem.offset(x), mem.offset(out), n, alpha);
    return out;
  };
}

/** A cast to the dtype a tensor already has (ReLU's gradient casts its float mask) shares the data. */
export function cast(addon: NativeAddon, args: KernelArgs): tf.TensorInfo | null {
  const { x } = args.inputs as unknown as Inputs<'x'>;
  return (args.attrs as unknown as tf.CastAttrs).dtype === x.dtype ? identity(addon, args) : null;
}
