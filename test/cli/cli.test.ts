import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import { createContainer } from '../../cli/container.js';
import { search, openStore } from '../../cli/api.js';
import { EvaluatorFactory } from '../../search/index.js';
import { fakeEvaluatorFactory } from './fake-evaluator.js';
import { captureIo } from './capture-io.js';
import { definitionFromFlags } from '../../cli/commands/search.js';

const io = captureIo;

describe('cli', () => {
  let dir: string;
  let dbBytes: Buffer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sparsenas-cli-'));
    const container = await createContainer();
    container.bind(EvaluatorFactory).toConstantValue(fakeEvaluatorFactory);
    await search({ evaluator: { name: 'fake' }, budget: { maxTrials: 4 }, seed: 3 }, { db: join(dir, 'sparsenas.db'), study: 'existing', container });
    dbBytes = readFileSync(join(dir, 'sparsenas.db'));
  });

  it('rejects an unknown flag by name and leaves the database intact', async () => {
    const t = io(dir);
    assert.equal(await main(['search', '--trails', '3'], t.io), 2);
    assert.match(t.text().stderr, /unknown option --trails/);
    assert.deepEqual(readFileSync(join(dir, 'sparsenas.db')), dbBytes);
  });

  it('rejects bad flag values naming the flag', async () => {
    const t = io(dir);
    assert.equal(await main(['search', '--epochs', 'two'], t.io), 2);
    assert.match(t.text().stderr, /--epochs must be an integer/);
  });

  it('reports a malformed config file by key, before touching the database', async () => {
    const cases: [string, RegExp][] = [
      ['{ "space": ', /not valid JSON/],
      ['{ "trainig": { "epochs": 1 } }', /unknown key "trainig"/],
      ['{ "training": { "epochs": -1 } }', /training\.epochs/],
      ['{ "budget": { "maxTrials": 2, "forever": true } }', /"budget\.forever"/],
    ];
    for (const [text, pattern] of cases) {
      const file = join(dir, 'bad.json');
      writeFileSync(file, text);
      const t = io(dir);
      assert.equal(await main(['search', '--config', file], t.io), 2, text);
      assert.match(t.text().stderr, pattern);
    }
    assert.deepEqual(readFileSync(join(dir, 'sparsenas.db')), dbBytes);
  });

  it('reads YAML configs', async () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, 'space:\n  name: nope\n');
    const t = io(dir);
    assert.equal(await main(['search', '--config', file, '--db', join(dir, 'other.db')], t.io), 2);
    assert.match(t.text().stderr, /unknown space "nope"; available: mlp, cnn/);
  });

  it('ranks stored trials best first as JSON', async () => {
    const t = io(dir);
    assert.equal(await main(['leaderboard', '--study', 'existing', '--format', 'json'], t.io), 0);
    const rows = JSON.parse(t.text().stdout) as { number: number; metrics: { valAccuracy: number } }[];
    assert.equal(rows.length, 4);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1]!.metrics.valAccuracy >= rows[i]!.metrics.valAccuracy);
  });

  it('refuses to reuse a study name without resume', async () => {
    const container = await createContainer();
    container.bind(EvaluatorFactory).toConstantValue(fakeEvaluatorFactory);
    await assert.rejects(search({ evaluator: { name: 'fake' } }, { db: join(dir, 'sparsenas.db'), study: 'existing', container }), /already exists.*resume/);
  });

  it('lists the backend chain in auto\'s order, one line each saying what runs or why not and what to install', async () => {
    const t = io(dir);
    assert.equal(await main(['list', 'backends'], t.io), 0);
    const lines = t.text().stdout.trim().split('\n');
    assert.deepEqual(lines.slice(1, 7).map((l) => l.split(/\s+/)[0]), ['tensorflow-gpu', 'webgpu', 'tensorflow', 'native', 'wasm', 'cpu']);
    for (const l of lines.slice(1, 7)) assert.match(l, /^\S+\s+(yes\s+\S|no\s+.+; to use it: .+)/, l);
    assert.match(lines[7]!, /auto takes the first that works/);
  });

  it('lists strategies and spaces with their source', async () => {
    const t = io(dir);
    assert.equal(await main(['list', 'strategies'], t.io), 0);
    assert.match(t.text().stdout, /random\s+built-in/);
    assert.match(t.text().stdout, /evolution/);
  });

  it('reproduces architectures from the study seed', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const container = await createContainer();
      container.bind(EvaluatorFactory).toConstantValue(fakeEvaluatorFactory);
      const store = await openStore(':memory:');
      const out = await search({ evaluator: { name: 'fake' }, budget: { maxTrials: 3 }, seed: 42 }, { db: store, study: 's', container });
      runs.push(out.trials.map((t) => [t.seed, t.architecture]));
    }
    assert.deepEqual(runs[0], runs[1]);
  });
});

describe('GPU flags', () => {
  it('--backend webgpu, --allow-software-gpu and --gpu-concurrency become the tfjs evaluator\'s stored options', () => {
    const { definition } = definitionFromFlags(['--backend', 'webgpu', '--allow-software-gpu', '--gpu-concurrency', '2'], tmpdir());
    assert.equal(definition.backend, 'webgpu');
    assert.deepEqual(definition.evaluator?.options, { allowSoftwareGpu: true, gpuConcurrency: 2 });
    assert.throws(() => definitionFromFlags(['--gpu-concurrency', '0'], tmpdir()), /--gpu-concurrency must be an integer >= 1, got "0"/);
  });

  it('refuses the GPU flags for an evaluator other than tfjs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpu-flags-'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ evaluator: { name: 'fake' } }));
    assert.throws(() => definitionFromFlags(['--config', join(dir, 'c.json'), '--allow-software-gpu'], dir), /options of the tfjs evaluator, but this search uses evaluator "fake"/);
  });
});

describe('config JSON Schema', () => {
  it('the committed sparsenas.schema.json matches the definition schema', async () => {
    const { definitionJsonSchema } = await import('../../search/index.js');
    const { BUILTIN_COMPONENTS } = await import('../../cli/component-schemas.js');
    const committed = JSON.parse(readFileSync(new URL('../../../sparsenas.schema.json', import.meta.url), 'utf8'));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(definitionJsonSchema(BUILTIN_COMPONENTS))), 'regenerate with: node dist/cli/bin.js schema > sparsenas.schema.json');
    assert.equal(committed.properties.training.additionalProperties, false);
  });
});

describe('--db :memory:', () => {
  it('keeps the study in memory and writes no file named ":memory:"', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparsenas-mem-'));
    const t = io(dir);
    assert.equal(await main(['search', '--db', ':memory:', '--trials', '1', '--dataset', 'embedded', '--subset', '300'], t.io), 0, t.text().stderr);
    assert.match(t.text().stdout, /trial 0 completed/);
    const { readdirSync } = await import('node:fs');
    assert.deepEqual(readdirSync(dir), []);
  });
});
