/**
 * Per-kernel CPU time on wasm, stock tfjs vs evaluators/kernels, at the shapes of the CNN in
 * cnn-throughput.ts (batch 128). Not a test. CPU time (process.cpuUsage) rather than wall
 * time, because the machines this runs on are shared; best of `--repeats` fresh-input calls.
 *
 *   npx tsc -p . && node dist/bench/kernel-timings.js [--repeats 5]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installKernels, uninstallKernels } from '../evaluators/kernels/index.js';

interface Case {
  readonly label: string;
  readonly kernel: string;
  readonly inputs: () => tf.NamedTensorMap;
  readonly attrs: object;
}

const normal = (shape: number[]): tf.Tensor => tf.randomNormal(shape, 0, 1, 'float32', 11);

const cases: Case[] = [
  { label: 'Conv2DBackpropFilter x[128,14,14,32] dy[128,14,14,64] 3×3', kernel: 'Conv2DBackpropFilter',
    inputs: () => ({ x: normal([128, 14, 14, 32]), dy: normal([128, 14, 14, 64]) }),
    attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 32, 64] } },
  { label: 'Conv2DBackpropInput dy[128,14,14,64] 3×3 → [128,14,14,32]', kernel: 'Conv2DBackpropInput',
    inputs: () => ({ dy: normal([128, 14, 14, 64]), filter: normal([3, 3, 32, 64]) }),
    attrs: { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [128, 14, 14, 32] } },
  { label: 'DepthwiseConv2dNativeBackpropFilter x[64,32,32,16] 3×3', kernel: 'DepthwiseConv2dNativeBackpropFilter',
    inputs: () => ({ x: normal([64, 32, 32, 16]), dy: normal([64, 32, 32, 16]) }),
    attrs: { strides: 1, pad: 'same', dilations: 1, filterShape: [3, 3, 16, 1] } },
  { label: 'DepthwiseConv2dNativeBackpropInput dy[64,32,32,16] 3×3', kernel: 'DepthwiseConv2dNativeBackpropInput',
    inputs: () => ({ dy: normal([64, 32, 32, 16]), filter: normal([3, 3, 16, 1]) }),
    attrs: { strides: 1, pad: 'same', dilations: 1, inputShape: [64, 32, 32, 16] } },
  { label: 'BatchMatMul [128,784]ᵀ·[128,300]', kernel: 'BatchMatMul',
    inputs: () => ({ a: normal([128, 784]), b: normal([128, 300]) }), attrs: { transposeA: true, transposeB: false } },
  { label: 'BatchMatMul [128,300]·[784,300]ᵀ', kernel: 'BatchMatMul',
    inputs: () => ({ a: normal([128, 300]), b: normal([784, 300]) }), attrs: { transposeA: false, transposeB: true } },
  { label: 'MaxPoolGrad [128,28,28,32] 2×2/2', kernel: 'MaxPoolGrad',
    inputs: () => ({ input: normal([128, 28, 28, 32]), dy: normal([128, 14, 14, 32]), output: normal([128, 14, 14, 32]) }),
    attrs: { filterSize: 2, strides: 2, pad: 'valid' } },
  { label: 'AvgPoolGrad [128,28,28,32] 2×2/2', kernel: 'AvgPoolGrad',
    inputs: () => ({ input: normal([128, 28, 28, 32]), dy: normal([128, 14, 14, 32]) }),
    attrs: { filterSize: 2, strides: 2, pad: 'valid' } },
  { label: 'Sum [128,28,28,32] over axes 0,1,2', kernel: 'Sum',
    inputs: () => ({ x: normal([128, 28, 28, 32]) }), attrs: { axis: [0, 1, 2], keepDims: false } },
];

/** Best CPU milliseconds of `repeats` calls, each on freshly made inputs; null if it throws. */
function cpuMillis(c: Case, repeats: number): number | null {
  let best = Infinity;
  for (let i = 0; i <= repeats; i++) {
    const inputs = c.inputs();
    try {
      const start = process.cpuUsage();
      const out = tf.engine().runKernel(c.kernel, inputs, c.attrs as tf.NamedAttrMap) as tf.Tensor;
      out.dataSync();
      const used = process.cpuUsage(start);
      out.dispose();
      if (i > 0) best = Math.min(best, (used.user + used.system) / 1000);
    } catch {
      return null;
    } finally {
      tf.dispose(Object.values(inputs));
    }
  }
  return best;
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--repeats');
  const repeats = i === -1 ? 5 : Number(process.argv[i + 1]);
  await tf.setBackend('wasm');
  await tf.ready();
  for (const c of cases) {
    uninstallKernels('wasm');
    const stock = cpuMillis(c, repeats);
    installKernels('wasm');
    const ours = cpuMillis(c, repeats);
    const fmt = (ms: number | null): string => (ms === null ? 'missing' : `${ms.toFixed(1)} ms`).padStart(9);
    const ratio = stock !== null && ours !== null ? `  ×${(stock / ours).toFixed(1)}` : '';
    console.log(`${c.label.padEnd(62)} stock ${fmt(stock)}   kernels ${fmt(ours)}${ratio}`);
  }
}

await main();
