import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng, type SparsitySpec } from '../../../search/index.js';
import { buildNetwork } from '../../../evaluators/network/build-network.js';
import { syntheticDataset } from '../../../evaluators/synthetic-dataset.js';
import { trainNetwork } from '../../../evaluators/train.js';
import { weightSparsity } from '../../../evaluators/accounting.js';
import { createSparseMethod } from '../../../evaluators/sparse/index.js';
import { arch, recorder, TRAINING, useBackend } from '../helpers.js';
import { nonZerosPerGroup, values } from './sparse-fixtures.js';

// The methods inside the real builder and training loop (wasm, dense layers only): 15 steps/epoch × 3.
await useBackend('wasm');
const data = syntheticDataset({ shape: [16], classes: 4, train: 480, validation: 120, test: 0 }, 7);
const TOTAL = 45;

const SPECS: Partial<SparsitySpec>[] = [
  { method: 'static', init: 'random', distribution: 'erk' },
  { method: 'gmp', gmpEvery: 5 },
  { method: 'rigl', init: 'random', updateEvery: 5, distribution: 'erk' },
  { method: 'set', init: 'random', updateEvery: 5 },
  { kind: 'n:m', method: 'srste', n: 2, m: 4 },
  { kind: 'group', group: 'neuron', method: 'gmp', gmpEvery: 5, level: 0.5 },
];

for (const over of SPECS) {
  const s: SparsitySpec = { level: 0.8, kind: 'unstructured', method: 'static', init: 'magnitude', distribution: 'uniform', keepLastDense: true, ...over };
  test(`${s.kind}/${s.method} trains in the evaluator's loop, reaches its sparsity and leaks nothing`, async () => {
    const before = tf.memory().numTensors;
    const a = arch([{ type: 'dense', units: 64, activation: 'relu' }, { type: 'dense', units: 32, activation: 'relu', keepNodes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }], s);
    const net = buildNetwork(a, data.shape, data.classes, 11);
    const method = createSparseMethod(s);
    try {
      method.init(net.params, s, createRng(1), TOTAL);
      net.enforceStructure();
      const nnz0 = net.params.map((p) => values(p.mask).filter((v) => v !== 0).length);
      const result = await trainNetwork({ net, method, dataset: data, training: TRAINING, seed: 3, reporter: recorder() });
      assert.ok(result.valAccuracy > 0.5, `validation accuracy ${result.valAccuracy} (chance 0.25)`);
      const nnz = net.params.map((p) => values(p.mask).filter((v) => v !== 0).length);
      for (const p of net.params) {
        const w = values(p.weight);
        values(p.mask).forEach((m, i) => { if (m === 0 && s.method !== 'srste') assert.ok(w[i] === 0, `${p.name}: masked weight ${i} is ${w[i]}`); });
      }
      if (s.method === 'rigl' || s.method === 'set' || s.method === 'static') assert.deepEqual(nnz, nnz0);
      if (s.method === 'gmp') assert.ok(nnz.every((n, i) => n <= nnz0[i]!) && nnz.some((n, i) => n < nnz0[i]!));
      if (s.kind === 'n:m') {
        for (const p of net.params.filter((q) => q.targetSparsity > 0)) {
          const eff = method.effectiveWeight(p);
          for (const g of nonZerosPerGroup(values(eff), p.weight.shape, p.inputAxis, 4)) assert.ok(g.nnz <= 2);
          eff.dispose();
        }
      }
      // sparse layers hold at least their target (node masks can only add zeros)
      const hidden = net.params.filter((p) => p.role !== 'classifier');
      assert.ok(weightSparsity(hidden) >= (s.kind === 'n:m' ? 0.5 : s.level) - 0.02, `sparsity ${weightSparsity(hidden)}`);
    } finally {
      method.dispose();
      net.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });
}
