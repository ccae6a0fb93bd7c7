import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { main } from '../../cli/main.js';
import { createContainer } from '../../cli/container.js';
import { search, openStore } from '../../cli/api.js';
import { BUILTIN_COMPONENTS } from '../../cli/component-schemas.js';
import { ConfigError, EvaluatorFactory, StrategyFactory, parseDefinition, prunerOptionSchemas } from '../../search/index.js';
import { RandomStrategy } from '../../strategies/index.js';
import { planTrainValidation } from '../../evaluators/data/split-plan.js';
import { fakeEvaluatorFactory } from './fake-evaluator.js';
import { captureIo } from './capture-io.js';

const parse = (d: unknown) => parseDefinition(d, 'config file x.json', BUILTIN_COMPONENTS);
const issuesOf = (fn: () => unknown): { key: string; message: string }[] => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return [...err.issues];
  }
  assert.fail('expected a ConfigError');
};

describe('strategy and pruner options are validated by schema (issue 17 defect 12)', () => {
  it('rejects unknown pruner keys and wrong pruner types', () => {
    assert.deepEqual(issuesOf(() => parse({ pruner: { name: 'median', options: { warmup: 'x' } } })).map((i) => i.key), ['pruner.options.warmup']);
    assert.match(issuesOf(() => parse({ pruner: { name: 'median', options: { warmup: 'x' } } }))[0]!.message, /unknown key "pruner\.options\.warmup".*known: warmupEpochs, minTrials/);
    assert.match(issuesOf(() => parse({ pruner: { name: 'median', options: { warmupEpochs: 'x' } } }))[0]!.message, /pruner\.options\.warmupEpochs: .*expected number/);
    assert.match(issuesOf(() => parse({ pruner: { name: 'successive-halving', options: { reductionFactor: 1 } } }))[0]!.message, /pruner\.options\.reductionFactor/);
    assert.doesNotThrow(() => parse({ pruner: { name: 'median', options: { warmupEpochs: 2, minTrials: 4 } } }));
  });

  it('rejects unknown strategy keys and wrong strategy types', () => {
    assert.match(issuesOf(() => parse({ strategy: { name: 'evolution', options: { population: -4 } } }))[0]!.message, /strategy\.options\.population: .*>=2/);
    assert.match(issuesOf(() => parse({ strategy: { name: 'random', options: { populaton: 5 } } }))[0]!.message, /unknown key "strategy\.options\.populaton"/);
    assert.match(issuesOf(() => parse({ strategy: { name: 'grid', options: { points: 'many' } } }))[0]!.message, /strategy\.options\.points/);
    assert.match(issuesOf(() => parse({ strategy: { name: 'evolution', options: { population: 4, sampleSize: 9 } } }))[0]!.message, /sampleSize must be <= population/);
    assert.match(issuesOf(() => parse({ strategy: { name: 'wgsef', options: { k: 4, lambda: { grwoth: 2 } } } }))[0]!.message, /unknown key "strategy\.options\.lambda\.grwoth"/);
    assert.doesNotThrow(() => parse({ strategy: { name: 'evolution', options: { population: 8, sampleSize: 3 } } }));
    assert.doesNotThrow(() => parse({ strategy: { name: 'wgsef', options: { k: [2, 4], penalty: ['envelope', 'group-lasso'] } } }));
  });

  it('a definition with several errors reports every one at once', () => {
    const issues = issuesOf(() => parse({
      training: { epochs: 0 }, pruner: { name: 'median', options: { warmup: 'x' } },
      strategy: { name: 'evolution', options: { population: -4 } }, budget: { forever: true },
    }));
    assert.deepEqual(issues.map((i) => i.key).sort(), ['budget.forever', 'pruner.options.warmup', 'strategy.options.population', 'training.epochs']);
    try {
      parse({ training: { epochs: 0 }, strategy: { name: 'evolution', options: { population: -4 } } });
    } catch (err) {
      assert.match((err as Error).message, /config file x\.json: 2 problems:\n {2}- training\.epochs: .*\n {2}- strategy\.options\.population/);
    }
  });

  it('the CLI refuses them before the study is created, listing every problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparsenas-opts-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ strategy: { name: 'evolution', options: { population: -4, extra: 1 } }, pruner: { name: 'median', options: { warmup: 'x' } } }));
    const t = captureIo(dir);
    assert.equal(await main(['search', '--config', file, '--db', join(dir, 'x.db')], t.io), 2);
    const err = t.text().stderr;
    for (const key of ['strategy.options.population', 'strategy.options.extra', 'pruner.options.warmup']) assert.match(err, new RegExp(key.replace(/\./g, '\\.')), err);
    assert.equal(existsSync(join(dir, 'x.db')), false, 'no database, no study');
  });

  it("a plugin strategy's optionsSchema is checked before its study is created", async () => {
    const container = await createContainer();
    container.bind(EvaluatorFactory).toConstantValue(fakeEvaluatorFactory);
    const factory: StrategyFactory = { name: 'schemed', description: 'test', source: '/tmp/plugin.js', optionsSchema: z.strictObject({ width: z.number().int().optional() }), create: () => new RandomStrategy() };
    container.bind(StrategyFactory).toConstantValue(factory);
    const store = await openStore(':memory:');
    try {
      await assert.rejects(search({ evaluator: { name: 'fake' }, strategy: { name: 'schemed', options: { width: 'wide' } }, budget: { maxTrials: 1 } }, { db: store, study: 's1', container }),
        /strategy\.options\.width/);
      assert.equal(await store.getStudy('s1'), undefined);
    } finally {
      await store.close();
    }
  });

  it('the committed sparsenas.schema.json documents every pruner and strategy option', () => {
    const committed = readFileSync(new URL('../../../sparsenas.schema.json', import.meta.url), 'utf8');
    for (const schema of Object.values(prunerOptionSchemas)) for (const key of Object.keys(schema.shape)) assert.ok(committed.includes(`"${key}"`), key);
    for (const f of BUILTIN_COMPONENTS.strategies!) {
      assert.ok(f.optionsSchema, `${f.name} has an options schema`);
      assert.ok(committed.includes(`"const": "${f.name}"`), f.name);
    }
  });
});

describe('--subset too small for a split (issue 17 defect 12)', () => {
  const labels = Array.from({ length: 1000 }, (_, i) => i % 10);
  it('refuses a subset whose splits have fewer samples than classes, with the numbers and the smallest subset that works', () => {
    assert.throws(() => planTrainValidation(labels, 10, { validationFraction: 0.1, subset: 5, seed: 0 }, 'embedded'),
      /dataset\.subset 5 gives 4 training and 1 validation sample\(s\) \(validationFraction 0\.1\) for 10 classes.*at least 95 \(--subset 95\)/);
    assert.doesNotThrow(() => planTrainValidation(labels, 10, { validationFraction: 0.1, subset: 95, seed: 0 }, 'embedded'));
  });
  it('the CLI reports it before any study exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sparsenas-subset-'));
    const t = captureIo(dir);
    const code = await main(['search', '--subset', '5', '--trials', '1', '--db', join(dir, 'x.db'), '--plain'], t.io);
    assert.notEqual(code, 0);
    assert.match(t.text().stderr, /dataset\.subset 5 gives 4 training and 1 validation/);
    const store = await openStore(join(dir, 'x.db'));
    try {
      assert.deepEqual(await store.listStudies(), []);
    } finally {
      await store.close();
    }
  });
});
