import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definitionFromFlags, SEARCH_HELP } from '../../cli/commands/search.js';
import { BUILTIN_COMPONENTS } from '../../cli/component-schemas.js';
import { parseDefinition, withStrategyDefaults } from '../../search/index.js';
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
