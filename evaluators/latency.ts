import * as tf from '@tensorflow/tfjs';
import type { ForwardOptions, Network } from './network/types.js';

/**
 * Inference latency of a trained network (issue 17, "search under a budget"): the wall time of
 * one forward pass in inference mode, exactly as the evaluator runs validation (the same
 * `net.apply` and effective weights, on the active backend and its kernels), from the input
 * tensor on the backend to the logits read back to the host (`data()`, so GPU backends count
 * their whole queue). `warmup` passes first (kernel compilation, buffer allocation), then the
 * median of `repeats` timed passes. The input is a constant tensor: dense kernels do the same
 * work whatever the values.
 */
export interface LatencyOptions {
  /** Timed passes per batch size; the median is kept (default 5). 0 measures nothing. */
  repeats: number;
  /** Untimed passes first (default 1). */
  warmup: number;
  now?: () => number;
}

export const DEFAULT_LATENCY: LatencyOptions = { repeats: 5, warmup: 1 };

/** Milliseconds of one inference pass at `batch` (median of `repeats`). */
export async function measureLatencyMs(net: Network, shape: readonly number[], batch: number, forward: Omit<ForwardOptions, 'training'>, o: LatencyOptions): Promise<number> {
  const now = o.now ?? (() => performance.now());
  const x = tf.fill([batch, ...shape], 0.5);
  const times: number[] = [];
  try {
    for (let i = 0; i < o.warmup + o.repeats; i++) {
      const start = now();
      const y = tf.tidy(() => net.apply(x, { ...forward, training: false }));
      await y.data();
      const ms = now() - start;
      y.dispose();
      if (i >= o.warmup) times.push(ms);
    }
  } finally {
    x.dispose();
  }
  return median(times);
}

export function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Latency at batch 1 and batch 128, as `Metrics.latencyMsB1` / `latencyMsB128`; {} when `repeats` is 0. */
export async function measureLatency(net: Network, shape: readonly number[], forward: Omit<ForwardOptions, 'training'>, o: LatencyOptions): Promise<{ latencyMsB1?: number; latencyMsB128?: number }> {
  if (o.repeats <= 0) return {};
  // A timer can read 0 for a tiny network on a coarse clock; the metric is positive by contract.
  const floor = (ms: number) => Math.max(ms, 1e-3);
  return {
    latencyMsB1: floor(await measureLatencyMs(net, shape, 1, forward, o)),
    latencyMsB128: floor(await measureLatencyMs(net, shape, 128, forward, o)),
  };
}
