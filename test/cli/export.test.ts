import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { main } from '../../cli/main.js';
import { search } from '../../cli/api.js';
import { exportModel } from '../../cli/export-model.js';
import type { ExportedTrial } from '../../cli/export-model.js';
import type { SearchOutcome } from '../../search/index.js';
import { captureIo } from './capture-io.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/**
 * Runs in a fresh `node` process, with public imports only: the model is loaded with tfjs' API
 * over the files, and the package's `loadStudyDataset(card)` supplies the splits the search
 * evaluated on, from trial.json alone (its `studySeed` carves the validation split).
 */
const CHILD = `
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileLoadHandler, loadStudyDataset } from 'sparsenas';
const dir = process.argv[1];
const card = JSON.parse(readFileSync(join(dir, 'trial.json'), 'utf8'));
await tf.setBackend(card.metrics.backend);
const model = await tf.loadLayersModel(fileLoadHandler(dir));
const ds = await loadStudyDataset(card);
const accuracy = (split) => tf.tidy(() => {
  const x = tf.tensor(split.x, [split.count, ...ds.shape]);
  const predicted = model.predict(x).argMax(-1);
  return predicted.equal(tf.tensor1d(split.y, 'int32')).sum().dataSync()[0] / split.count;
});
let params = 0, nonZeros = 0;
for (const w of model.getWeights()) {
  const v = w.dataSync();
  params += v.length;
  for (const x of v) if (x !== 0) nonZeros++;
}
console.log(JSON.stringify({ test: accuracy(ds.test), validation: accuracy(ds.validation), params, nonZeros }));
`;

describe('sparsenas export', () => {
  let dir: string;
  let db: string;
  let outcome: SearchOutcome;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sparsenas-export-'));
    db = join(dir, 'runs.db');
    // A small sparse MLP on 600 embedded samples, test accuracy recorded during the search.
    // The cpu backend on both sides makes the comparison exact (same kernels, same sums).
    // Static unstructured masks: RigL/SET grow connections at exactly 0, which the export (rightly) counts as zeros.
    outcome = await search({
      seed: 5, backend: 'cpu',
      space: { name: 'mlp', options: { widths: [24, 32], maxLayers: 1, sparsity: { levels: [0.8, 0.9], methods: ['static'], kinds: ['unstructured'] } } },
      dataset: { name: 'embedded', subset: 600 },
      training: { epochs: 1, batchSize: 64, learningRate: 0.005, evaluateTest: true },
      budget: { maxTrials: 2 },
    }, { db, study: 'exp' });
  });

  it('writes the best trial as a tfjs Layers model with its card', async () => {
    const t = captureIo(dir);
    assert.equal(await main(['export', '--db', db, '--study', 'exp', '--out', 'best'], t.io), 0, t.text().stderr);
    assert.deepEqual(readdirSync(join(dir, 'best')).sort(), ['model.json', 'trial.json', 'weights.bin']);
    const card = JSON.parse(readFileSync(join(dir, 'best', 'trial.json'), 'utf8')) as ExportedTrial;
    assert.equal(card.trial, outcome.best!.number);
    assert.deepEqual(card.metrics, outcome.best!.metrics);
    assert.deepEqual(card.architecture, outcome.best!.architecture);
    assert.deepEqual(card.input, { shape: [28, 28, 1], classes: 10, dataset: card.input.dataset });
    const modelJson = JSON.parse(readFileSync(join(dir, 'best', 'model.json'), 'utf8'));
    assert.equal(modelJson.format, 'layers-model');
  });

  it('reloads in a fresh process, masks applied, and reproduces the recorded accuracies', async () => {
    const worst = outcome.trials.find((x) => x.number !== outcome.best!.number)!;
    const out = join(dir, 'other');
    const { card } = await exportModel({ db, study: 'exp', trial: worst.number, out });
    assert.equal(typeof card.metrics.testAccuracy, 'number', 'the search recorded test accuracy');
    assert.equal(card.studySeed, outcome.study.definition.seed, 'trial.json carries the study seed the validation split depends on');
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CHILD, out], { cwd: repoRoot });
    const got = JSON.parse(stdout.trim().split('\n').pop()!) as { test: number; validation: number; params: number; nonZeros: number };
    assert.equal(got.test, card.metrics.testAccuracy);
    assert.equal(got.validation, card.metrics.valAccuracy);
    assert.equal(got.params, card.sparsity.params);
    // Every masked weight is an exact zero; a few unmasked ones may be zero too (the bias of a
    // unit ReLU never activated keeps its initial 0), so the count can only be lower.
    assert.ok(got.nonZeros <= card.sparsity.nonZeros && got.nonZeros > 0.98 * card.sparsity.nonZeros, `${got.nonZeros} non-zeros exported, ${card.sparsity.nonZeros} recorded`);
    assert.ok(card.sparsity.measured > 0.5);
  });

  it('refuses a trial that did not complete and a missing database, creating nothing', async () => {
    await assert.rejects(exportModel({ db, study: 'exp', trial: 99, out: join(dir, 'x') }), /has no trial 99/);
    const t = captureIo(dir);
    assert.equal(await main(['export', '--db', 'typo.db', '--out', 'y'], t.io), 2);
    assert.match(t.text().stderr, /typo\.db does not exist/);
    assert.ok(!readdirSync(dir).includes('typo.db') && !readdirSync(dir).includes('y'));
  });
});
