import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../cli/main.js';
import { openStore } from '../../cli/api.js';
import { DEFAULT_DEFINITION, parseDefinition } from '../../search/index.js';
import { MlpSpace } from '../../spaces/index.js';
import { RandomBaselineStrategy, SparseIftStrategy } from '../../strategies/index.js';

// Both one-shot strategies end to end: a config file, the CLI, the real tfjs evaluator on the
// embedded dataset (tiny subset, one epoch), and the trials as stored.
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-one-shot-'));
const common = {
  seed: 5, space: { name: 'mlp' },
  dataset: { name: 'embedded', subset: 300, validationFraction: 0.2 },
  training: { epochs: 1, batchSize: 32, optimizer: 'adam', learningRate: 0.01, evaluateTest: true },
  budget: { maxTrials: 50 },
};

async function run(study: string, strategy: object): Promise<string> {
  const file = join(dir, `${study}.json`);
  writeFileSync(file, JSON.stringify({ ...common, strategy }));
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const code = await main(['search', '--config', file, '--db', join(dir, 'studies.db'), '--study', study, '--plain'],
    { cwd: dir, stdout: out, stderr: out, isTTY: false, signal: new AbortController().signal, stop: () => {}, env: {} } as never);
  assert.equal(code, 0, text);
  return text;
}

describe('one-shot strategies from a config file through the CLI', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  it('random-baseline stores proxy, searched, random and dense trials with node and weight sparsity', async () => {
    await run('rb', { name: 'random-baseline', options: { levels: [0.75], candidates: 2, seeds: 1, proxy: 'init', threshold: 0.5,
      base: { layers: 2, width_0: 64, width_1: 64, activation: 'relu' } } });
    const store = await openStore(join(dir, 'studies.db'));
    try {
      const trials = await store.getTrials((await store.getStudy('rb'))!.id);
      assert.deepEqual(trials.map((t) => t.group), ['dense', 'proxy', 'proxy', 'searched', 'random']);
      assert.ok(trials.every((t) => t.state === 'completed'), trials.map((t) => t.error).join('; '));
      assert.equal(new Set(trials.map((t) => t.seed)).size, 1, 'one replicate: one shared seed');
      for (const t of trials.slice(1)) {
        assert.equal(t.metrics!.extra!['nodeSparsity'], 0.75);
        assert.ok(t.metrics!.sparsity > 0.75, `weight sparsity ${t.metrics!.sparsity} exceeds node sparsity (weights in and out go)`);
      }
      assert.equal(trials[0]!.metrics!.sparsity, 0);
      // The init proxy trains nothing, and only the fully trained trials see the test split.
      assert.equal(trials[1]!.metrics!.testAccuracy, undefined);
      assert.ok(trials[3]!.metrics!.testAccuracy !== undefined);
      assert.equal(trials[3]!.attributes!['proxyScore'], Math.min(trials[1]!.metrics!.valLoss, trials[2]!.metrics!.valLoss));
    } finally {
      await store.close();
    }
  });

  it('sparse-ift stores the dense base and each member at the dense FLOPs', async () => {
    await run('sift', { name: 'sparse-ift', options: { families: ['wide', 'parallel'], levels: [0.5], seeds: 1,
      base: { layers: 1, width_0: 64, activation: 'relu' } } });
    const store = await openStore(join(dir, 'studies.db'));
    try {
      const trials = await store.getTrials((await store.getStudy('sift'))!.id);
      assert.deepEqual(trials.map((t) => t.group), ['dense', 'wide', 'parallel']);
      const dense = trials[0]!.metrics!.denseFlops;
      for (const t of trials) {
        assert.equal(t.state, 'completed', t.error);
        assert.ok(Math.abs(t.metrics!.sparseFlops - dense) / dense < 0.01, `${t.label}: ${t.metrics!.sparseFlops} vs ${dense}`);
      }
    } finally {
      await store.close();
    }
  });
});

describe('example config files', () => {
  for (const [file, create] of [['random-baseline.json', () => new RandomBaselineStrategy()], ['sparse-ift.json', () => new SparseIftStrategy()]] as const) {
    it(`examples/${file} parses and its strategy accepts its options`, async () => {
      const definition = parseDefinition(JSON.parse(readFileSync(new URL(`../../../examples/${file}`, import.meta.url), 'utf8')), file);
      const strategy = create();
      await strategy.init({ space: new MlpSpace(), seed: definition.seed, options: definition.strategy.options, definition: { ...DEFAULT_DEFINITION, ...definition }, dataset: { shape: [28, 28, 1], classes: 10 } });
      assert.ok(await strategy.ask([]));
    });
  }
});
