/**
 * Training throughput of a small CNN and an MLP on tfjs's CPU backends, before and after
 * evaluators/kernels. Not a test: numbers depend on the machine and its load.
 *
 *   npx tsc -p . && node dist/bench/cnn-throughput.js [--steps 20] [--cpu]
 *
 * CNN: conv3×3 32 → maxpool 2 → conv3×3 64 → maxpool 2 → dense 10 on 28×28×1, batch 128, Adam.
 * MLP: 784-300-100-10, batch 128, Adam. Synthetic data from a fixed seed; one warm-up step
 * is excluded from the timing. `--cpu` adds the pure-JS cpu backend (~1 sample/s on the CNN,
 * so it runs 2 steps of batch 16).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { installKernels, uninstallKernels } from '../evaluators/kernels/index.js';

interface Model {
  readonly name: string;
  readonly inputShape: number[];
  build(): tf.LayersModel;
}

const cnn: Model = {
  name: 'CNN conv32-pool-conv64-pool-dense10',
  inputShape: [28, 28, 1],
  build: () => tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  }),
};

const mlp: Model = {
  name: 'MLP 784-300-100-10',
  inputShape: [784],
  build: () => tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [784], units: 300, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 100, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.dense({ units: 10, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  }),
};

interface Run {
  readonly backend: 'wasm' | 'cpu';
  readonly kernels: boolean;
  readonly batch: number;
  readonly steps: number;
}

/** Samples per second over `steps` timed Adam steps, or the error that stopped training. */
async function measure(model: Model, run: Run): Promise<string> {
  await tf.setBackend(run.backend);
  await tf.ready();
  if (run.kernels) installKernels(run.backend);
  else uninstallKernels(run.backend);
  const net = model.build();
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([run.batch, ...model.inputShape], 0, 1, 'float32', 7);
  const y = tf.oneHot(tf.randomUniform([run.batch], 0, 10, 'int32', 8) as tf.Tensor1D, 10);
  const step = (): number => tf.tidy(() => optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, net.apply(x) as tf.Tensor) as tf.Scalar, true)!.dataSync()[0]!);
  try {
    step();
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    let loss = 0;
    for (let i = 0; i < run.steps; i++) loss = step();
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const samples = run.batch * run.steps;
    // On a shared machine wall time swings with the load; samples per CPU-second much less.
    return `${(samples / seconds).toFixed(1)} samples/s wall, ${(samples / cpuSeconds).toFixed(1)} per CPU-s (${run.steps} steps of ${run.batch} in ${seconds.toFixed(2)} s, loss ${loss.toFixed(3)})`;
  } catch (err) {
    return `cannot train: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  } finally {
    optimizer.dispose();
    net.dispose();
    tf.dispose([x, y]);
  }
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : (process.argv[i + 1] ?? '');
}

async function main(): Promise<void> {
  const steps = Number(flag('steps') ?? 20);
  const runs: Array<[Model, Run]> = [
    [cnn, { backend: 'wasm', kernels: false, batch: 128, steps }],
    [cnn, { backend: 'wasm', kernels: true, batch: 128, steps }],
    [mlp, { backend: 'wasm', kernels: false, batch: 128, steps: steps * 3 }],
    [mlp, { backend: 'wasm', kernels: true, batch: 128, steps: steps * 3 }],
  ];
  if (process.argv.includes('--cpu')) {
    runs.push([cnn, { backend: 'cpu', kernels: false, batch: 16, steps: 2 }], [mlp, { backend: 'cpu', kernels: false, batch: 128, steps }]);
  }
  for (const [model, run] of runs) {
    const label = `${model.name.padEnd(36)} ${run.backend}${run.kernels ? ' + kernels' : ' (stock)  '}`;
    console.log(`${label}  ${await measure(model, run)}`);
  }
}

await main();
