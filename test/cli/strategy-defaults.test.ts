import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definitionFromFlags, SEARCH_HELP } from '../../cli/commands/search.js';
import { BUILTIN_COMPONENTS, checkComponentOptions } from '../../cli/component-schemas.js';
import { main } from '../../cli/main.js';
import { captureIo } from './capture-io.js';
import { ConfigError, parseDefinition, withStrategyDefaults, type SpaceFactory, type StrategyFactory } from '../../search/index.js';
import { DASS_DEFINITION_DEFAULTS } from '../../strategies/index.js';

// A strategy's definition defaults (dass: the darts space, a 300-image subset, batch 32) follow
// the strategy the definition resolves to, wherever it was named; flags > config file > defaults.
const dir = mkdtempSync(join(tmpdir(), 'sparsenas-strategy-defaults-'));
const file = (name: string, body: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body));
  return path;
};
const parsed = (argv: string[]) => parseDefinition(definitionFromFlags(argv, dir).definition, 'test', BUILTIN_COMPONENTS);

after(() => rmSync(dir, { recursive: true, force: true }));

describe('strategy definition defaults', () => {

  it('the defaults are what this test expects (update both together)', () => {
    assert.deepEqual(DASS_DEFINITION_DEFAULTS, { space: { name: 'darts' }, dataset: { subset: 300 }, training: { batchSize: 32 } });
  });

  it('a config file naming dass gets them, as --strategy dass does', () => {
    const cfg = file('dass.json', { strategy: { name: 'dass' } });
    for (const argv of [['--config', cfg], ['--strategy', 'dass']]) {
      const d = parsed(argv);
      assert.equal(d.space.name, 'darts', argv.join(' '));
      assert.equal(d.dataset.subset, 300, argv.join(' '));
      assert.equal(d.training.batchSize, 32, argv.join(' '));
    }
  });

  it('the config file overrides the defaults and the flags override the file', () => {
    const cfg = file('dass-sized.json', { strategy: { name: 'dass' }, dataset: { subset: 200 }, training: { batchSize: 64 } });
    const fromFile = parsed(['--config', cfg]);
    assert.deepEqual([fromFile.space.name, fromFile.dataset.subset, fromFile.training.batchSize], ['darts', 200, 64]);
    const fromFlags = parsed(['--config', cfg, '--batch-size', '16']);
    assert.deepEqual([fromFlags.space.name, fromFlags.dataset.subset, fromFlags.training.batchSize], ['darts', 200, 16]);
  });

  it('a flag naming another strategy over a file naming dass gets none of them', () => {
    const cfg = file('dass-then-random.json', { strategy: { name: 'dass' } });
    const d = parsed(['--config', cfg, '--strategy', 'random']);
    assert.deepEqual([d.space.name, d.dataset.subset, d.training.batchSize], ['mlp', undefined, 128]);
  });

  it('what search() applies to a new definition naming dass; parsing a stored one (resume) adds nothing', () => {
    const d = parseDefinition(withStrategyDefaults({ strategy: { name: 'dass' } }, BUILTIN_COMPONENTS), 'api', BUILTIN_COMPONENTS);
    assert.deepEqual([d.space.name, d.dataset.subset, d.training.batchSize], ['darts', 300, 32]);
    const stored = parseDefinition({ ...parseDefinition({}), space: { name: 'darts', options: {} }, strategy: { name: 'dass', options: {} } }, 'stored', BUILTIN_COMPONENTS);
    assert.deepEqual([stored.space.name, stored.dataset.subset, stored.training.batchSize], ['darts', undefined, 128]);
  });

  it('search --help shows them beside --strategy', () => {
    assert.match(SEARCH_HELP, /dass sets --space darts --subset 300 --batch-size 32/);
  });
});

describe('a strategy that searches only some spaces', () => {
  it('--space mlp --strategy dass is refused naming the strategy, the space and the fix (CLI exit 2), so is a config file naming another space', async () => {
    const a = captureIo(dir);
    assert.equal(await main(['search', '--space', 'mlp', '--strategy', 'dass', '--db', ':memory:'], a.io), 2);
    assert.match(a.text().stderr, /strategy dass searches the darts space, not space "mlp": drop --space .* or use --space darts/);
    const cfg = file('dass-cnn.json', { strategy: { name: 'dass' }, space: { name: 'cnn' } });
    const b = captureIo(dir);
    assert.equal(await main(['search', '--config', cfg, '--db', ':memory:'], b.io), 2);
    assert.match(b.text().stderr, /strategy dass searches the darts space, not space "cnn"/);
    // The darts space (named or by default) is accepted.
    assert.equal(parsed(['--strategy', 'dass', '--space', 'darts']).space.name, 'darts');
  });

  it('search() refuses it before a study exists; a plugin factory declaring spaces is held to them too', () => {
    assert.throws(() => parseDefinition(withStrategyDefaults({ strategy: { name: 'dass' }, space: { name: 'mlp' } }, BUILTIN_COMPONENTS), 'api', BUILTIN_COMPONENTS),
      (err: unknown) => err instanceof ConfigError && err.key === 'space.name' && /use --space darts/.test(err.message));
    const plugin = { name: 'cells-only', description: 'test', spaces: ['darts', 'cnn'], create: () => { throw new Error('not created'); } } as unknown as StrategyFactory;
    const space = { name: 'mlp', create: () => { throw new Error('not created'); } } as unknown as SpaceFactory;
    assert.throws(() => checkComponentOptions({ space: { name: 'mlp', options: {} }, strategy: { name: 'cells-only', options: {} } }, space, plugin),
      /strategy cells-only searches the spaces darts, cnn, not space "mlp"/);
  });
});
