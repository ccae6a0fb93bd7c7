import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../cli/main.js';
import { openStore } from '../../cli/api.js';
import { DEFAULT_DEFINITION, parseDefinition, ranks, type Architecture, type Candidate, type CellsLayer, type Genotype, type Trial } from '../../search/index.js';
import { DartsSpace } from '../../spaces/index.js';
import { DassStrategy } from '../../strategies/index.js';
import { buildNetwork } from '../../evaluators/network/build-network.js';
import { keptCount } from '../../evaluators/methods/dass/index.js';
import { BUILTIN_COMPONENTS } from '../../cli/component-schemas.js';

// `sparsenas search --strategy dass` end to end through the CLI on the embedded dataset, with
// the strategy's definition defaults (the darts space) and only the sizes shrunk by a config
// file and flags so it fits the suite: supernets (DASS, dense DARTS), derived cells retrained,
// random control, test phase, report and export.
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-dass-cli-'));
const db = join(dir, 'runs.db');

async function cli(args: string[]): Promise<{ code: number; text: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d) => (text += d));
  const code = await main(args, { cwd: dir, stdout: out, stderr: out, isTTY: false, signal: new AbortController().signal, stop: () => {}, env: {} } as never);
  return { code, text };
}

const opsOf = (g: Genotype) => [...g.normal, ...g.reduce].map(([op]) => op);

describe('sparsenas search --strategy dass (CLI, embedded dataset)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stores unranked supernets, ranked derived cells with test accuracy, exact masks, no none in any genotype; report and export work', async () => {
    const config = join(dir, 'small.json');
    writeFileSync(config, JSON.stringify({
      strategy: { name: 'dass', options: { supernet: { channels: 2, cells: 3, nodes: 2 }, search: { pretrain: 1, prune: 1, finetune: 1 } } },
      dataset: { validationFraction: 0.2 }, training: { evaluateTest: true },
    }));
    const run = await cli(['search', '--strategy', 'dass', '--config', config, '--subset', '120', '--batch-size', '16', '--db', db, '--study', 'dass', '--plain', '--seed', '3']);
    assert.equal(run.code, 0, run.text);
    const store = await openStore(db);
    let trials: Trial[];
    try {
      const study = (await store.getStudy('dass'))!;
      assert.equal(study.definition.space.name, 'darts', 'the strategy picks the darts space');
      trials = await store.getTrials(study.id);
    } finally {
      await store.close();
    }
    assert.ok(trials.every((t) => t.state === 'completed'), trials.map((t) => `${t.number} ${t.state} ${t.error ?? ''}`).join('; '));
    const supernets = trials.filter((t) => t.attributes?.['role'] === 'supernet');
    const derived = trials.filter((t) => t.attributes?.['role'] === 'derived');
    assert.deepEqual(supernets.map((t) => t.group).sort(), ['darts-supernet', 'dass-supernet-s90']);
    assert.deepEqual(derived.map((t) => t.group).sort(), ['darts-pruned-s90', 'dass-s90', 'random-s90']);
    for (const t of supernets) {
      assert.equal(ranks(t), false, `supernet trial ${t.number} does not rank`);
      assert.ok(!opsOf(t.metrics!.outputs!['genotype'] as unknown as Genotype).includes('none'));
    }
    for (const t of derived) {
      assert.equal(ranks(t), true, `derived trial ${t.number} ranks`);
      assert.equal(typeof t.metrics!.testAccuracy, 'number', `derived trial ${t.number} has a test accuracy`);
      const arch = t.architecture as Architecture;
      const cells = arch.layers[0] as CellsLayer;
      assert.ok(cells.genotype && !opsOf(cells.genotype).includes('none'), `trial ${t.number}: ${JSON.stringify(cells.genotype)}`);
      // The DASS and DARTS cells are the genotypes their supernets reported.
      const from = t.attributes!['derivedFrom'];
      if (from !== undefined) assert.deepEqual(cells.genotype, trials.find((s) => s.number === from)!.metrics!.outputs!['genotype']);
      // Mask sparsity exact: per kernel ⌊0.9·n⌋ zeros, so the masked fraction is this, to the last bit.
      const net = buildNetwork(arch, [28, 28, 1], 10, 0);
      const sizes = net.params.map((p) => p.weight.size);
      net.dispose();
      const total = sizes.reduce((a, b) => a + b, 0);
      const expected = 1 - sizes.reduce((a, n) => a + keptCount(n, 0.9), 0) / total;
      assert.equal(t.metrics!.outputs!['maskedFraction'], expected, `trial ${t.number}`);
      assert.ok(t.metrics!.nonZeros < t.metrics!.params);
    }
    const report = await cli(['report', '--study', 'dass', '--db', db, '--out', join(dir, 'report.html')]);
    assert.equal(report.code, 0, report.text);
    assert.ok(readFileSync(join(dir, 'report.html'), 'utf8').includes('dass-s90'));
    const best = derived.find((t) => t.group === 'dass-s90')!;
    const exported = await cli(['export', '--study', 'dass', '--trial', String(best.number), '--db', db, '--out', join(dir, 'model')]);
    assert.equal(exported.code, 0, exported.text);
    const card = JSON.parse(readFileSync(join(dir, 'model', 'trial.json'), 'utf8'));
    assert.equal(card.trial, best.number);
    assert.equal(card.metrics.testAccuracy, best.metrics!.testAccuracy);
    assert.ok(existsSync(join(dir, 'model', 'model.json')) && existsSync(join(dir, 'model', 'weights.bin')));
    const supernetExport = await cli(['export', '--study', 'dass', '--trial', String(supernets[0]!.number), '--db', db, '--out', join(dir, 'supernet')]);
    assert.notEqual(supernetExport.code, 0, 'a supernet has no tf.layers form');
  });
});

describe('examples/dass-paper.json', () => {
  it('parses with the schemas, and the dass strategy accepts its paper-scale options', async () => {
    const definition = parseDefinition(JSON.parse(readFileSync(new URL('../../../examples/dass-paper.json', import.meta.url), 'utf8')), 'dass-paper.json', BUILTIN_COMPONENTS);
    assert.equal(definition.strategy.options['supernet'] && (definition.strategy.options['supernet'] as { channels: number }).channels, 16);
    const strategy = new DassStrategy();
    await strategy.init({ space: new DartsSpace(), seed: definition.seed, options: definition.strategy.options, definition: { ...DEFAULT_DEFINITION, ...definition }, dataset: { shape: [32, 32, 3], classes: 10 }, trainingMethods: ['dass'] });
    // The random cells (one per level and seed) need no search and come first, then the supernets.
    const asked: Candidate[] = [];
    for (let c = strategy.ask([]); c && !asked.some((a) => a.attributes?.['role'] === 'supernet'); c = strategy.ask([])) asked.push(c);
    assert.equal(asked.length, 13, '4 levels × 3 seeds of random cells, then the first supernet');
    const first = asked.find((c) => c.attributes?.['role'] === 'supernet')!;
    const cells = first.architecture!.layers[0] as CellsLayer;
    const random = asked.find((c) => c.attributes?.['role'] === 'derived')!;
    assert.deepEqual([(random.architecture!.layers[0] as CellsLayer).channels, (random.architecture!.layers[0] as CellsLayer).cells], [36, 20], 'derived cells retrain at DARTS evaluation size');
    assert.equal(random.training!.epochs, 600);
    assert.deepEqual([cells.channels, cells.cells, cells.supernet?.nodes], [16, 8, 4]);
    assert.equal(first.training!.epochs, 150);
    assert.deepEqual((first.training!.method!.options as { alpha: unknown }).alpha, { learningRate: 3e-4, beta1: 0.5, beta2: 0.999, weightDecay: 1e-3 });
    // A typo in the file is refused by name.
    const bad = JSON.parse(readFileSync(new URL('../../../examples/dass-paper.json', import.meta.url), 'utf8'));
    bad.strategy.options.supernet.chanels = 16;
    assert.throws(() => parseDefinition(bad, 'bad.json', BUILTIN_COMPONENTS), /chanels/);
  });
});
