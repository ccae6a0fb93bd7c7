import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { parseDefinition, SCHEMA_VERSION, SqliteStore } from '../../../search/index.js';
import { resume } from '../../../cli/api.js';
import { loadReportData, renderHtmlReport, renderMarkdownReport } from '../../../cli/report/index.js';

// A database written by the code before training methods (main at 8094b41, schema version 2) with
// fixtures/make-legacy-db.mjs: study `legacy-wgsef` (trial 0 a wgsef grouped run, 1 its derived
// network, 2 a group-lasso grouped run stopped after its first epoch, so interrupted) and study
// `legacy-definition` (a definition whose `training.regularizer` applied to every trial).
const FIXTURE = fileURLToPath(new URL('../../../../test/strategies/wgsef/fixtures/legacy-regularizer.sqlite', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-legacy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A private copy: the committed file stays at schema version 2. */
function legacyDb(): string {
  const file = join(dir, `legacy-${Math.random().toString(36).slice(2)}.db`);
  copyFileSync(FIXTURE, file);
  return file;
}

const WGSEF_OPTIONS = { k: 3, scope: 'layer', groups: 'neuron', lambda: { initial: 1, growth: 1.03, max: 1e6, everySteps: 1 }, finetuneEpochs: 1 };

test('an old study opens and migrates; its trials and definitions read back with training.method, not training.regularizer', async () => {
  assert.equal(readFileSync(FIXTURE).readUInt32BE(60), 2, 'the fixture is a schema version 2 database (user_version in the header)');
  const store = await SqliteStore.open(legacyDb());
  try {
    const study = (await store.getStudy('legacy-wgsef'))!;
    const trials = await store.getTrials(study.id);
    assert.deepEqual(trials.map((t) => [t.number, t.state, t.label]), [[0, 'completed', 'grouped'], [1, 'completed', 'derived'], [2, 'interrupted', 'grouped']]);
    assert.deepEqual(trials[0]!.training, { epochs: 2, method: { name: 'wgsef', options: { ...WGSEF_OPTIONS, penalty: 'envelope' } } });
    assert.equal(trials[1]!.training, undefined);
    assert.deepEqual(trials[2]!.training, { epochs: 2, method: { name: 'group-lasso', options: WGSEF_OPTIONS } }, 'group lasso is its own method, without a penalty option');
    assert.deepEqual((await store.getEpochs(trials[0]!.id)).map((e) => [e.epoch, 'outputs' in e]), [[1, false], [2, false]], 'old epochs have no outputs');
    const old = (await store.getStudy('legacy-definition'))!;
    assert.deepEqual(old.definition.training.method, { name: 'wgsef', options: { ...WGSEF_OPTIONS, k: 2, penalty: 'envelope' } });
    assert.equal('regularizer' in old.definition.training, false);
    assert.doesNotThrow(() => parseDefinition(old.definition), 'the translated definition is a valid definition');
    assert.equal((await store.getTrials(old.id))[0]!.training, undefined);
  } finally {
    await store.close();
  }
});

test('an old study resumes: the interrupted group-lasso run is re-run with the translated method, then its derived network', async () => {
  const file = legacyDb();
  const before = tf.memory().numTensors;
  const outcome = await resume('legacy-wgsef', { db: file });
  assert.equal(outcome.reason, 'exhausted');
  assert.deepEqual(outcome.trials.map((t) => `${t.number} ${t.state} ${t.group}/${t.label}`), [
    '0 completed wgsef-k3/grouped', '1 completed wgsef-k3/derived', '2 interrupted group-lasso-k3/grouped',
    '3 completed group-lasso-k3/grouped', '4 completed group-lasso-k3/derived',
  ]);
  const redo = outcome.trials[3]!;
  assert.equal(redo.attributes!['redoOf'], 2);
  assert.deepEqual(redo.training, { epochs: 2, method: { name: 'group-lasso', options: WGSEF_OPTIONS } });
  const survivors = (redo.metrics!.outputs as { survivors: Record<string, number[]> }).survivors;
  assert.ok(survivors['dense_0']!.length >= 1 && survivors['dense_0']!.length <= 3, `survivors ${JSON.stringify(survivors)}`);
  assert.deepEqual(outcome.trials[4]!.architecture!.layers.map((l) => l.type === 'dense' && l.units), [survivors['dense_0']!.length]);
  assert.equal(tf.memory().numTensors, before);

  const store = await SqliteStore.open(file);
  try {
    const epochs = await store.getEpochs(redo.id);
    assert.deepEqual(epochs.map((e) => Object.keys(e.outputs ?? {}).sort()), [['lambda', 'nonZeroGroups', 'projected'], ['lambda', 'nonZeroGroups', 'projected']], 'the re-run stores the method outputs per epoch');
    const data = await loadReportData(store, 'legacy-wgsef', { now: () => 0 });
    assert.match(renderMarkdownReport(data), /group-lasso-k3/);
    const html = renderHtmlReport(data);
    assert.match(html, /wgsef-k3/);
    const oldDefinition = renderHtmlReport(await loadReportData(store, 'legacy-definition', { now: () => 0 }));
    assert.match(oldDefinition, /&quot;method&quot;|"method"/);
    assert.doesNotMatch(oldDefinition, /regularizer/);
  } finally {
    await store.close();
  }
  assert.equal(readFileSync(file).readUInt32BE(60), SCHEMA_VERSION, 'the copy was migrated to the current schema');
});
