import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { main } from '../../cli/main.js';
import { resume, search } from '../../cli/api.js';
import { openStudy } from '../../cli/query.js';
import { createContainer, listFactories } from '../../cli/container.js';
import type { SearchEvent, Trial } from '../../search/index.js';
import { captureIo } from './capture-io.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const hillClimb = fileURLToPath(new URL('../../examples/hill-climb/plugin.js', import.meta.url));
const bottleneck = fileURLToPath(new URL('../../examples/bottleneck-space/plugin.js', import.meta.url));
const fakeEvaluator = fileURLToPath(new URL('./fake-evaluator-plugin.js', import.meta.url));

/** A plugin strategy as a user would write it in plain JS; `ask` is the body of its ask(). */
const strategyPlugin = (name: string, ask: string) => `
export default { strategies: [{ name: '${name}', description: 'test', create: () => ({
  n: 0,
  init() {},
  ask() { ${ask} },
  tell() {},
  snapshot() { return { n: this.n }; },
  restore(s) { this.n = s.n; },
}) }] };
`;

describe('plugins', () => {
  let dir: string;
  let db: string;
  let config: string;
  let kept: Trial[];
  const keptTrials = async () => {
    const view = await openStudy('kept', { db });
    try { return await view.trials(); } finally { await view.close(); }
  };
  const write = (file: string, text: string) => { writeFileSync(join(dir, file), text); return join(dir, file); };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sparsenas-plugins-'));
    db = join(dir, 'sparsenas.db');
    // Plugin paths in a config file are relative to the file.
    config = write('fake.yaml', `evaluator:\n  name: fake\nplugins:\n  - ${relative(dir, fakeEvaluator)}\n`);
    const t = captureIo(dir);
    assert.equal(await main(['search', '--config', config, '--study', 'kept', '--trials', '2'], t.io), 0, t.text().stderr);
    kept = await keptTrials();
  });

  it('runs the example strategy from the CLI and lists it with its file', async () => {
    const t = captureIo(dir);
    assert.equal(await main(['search', '--config', config, '--plugin', hillClimb, '--strategy', 'hill-climb', '--trials', '3', '--study', 'hc'], t.io), 0, t.text().stderr);
    const view = await openStudy('hc', { db });
    const trials = await view.trials();
    await view.close();
    assert.deepEqual(trials.map((x) => x.state), ['completed', 'completed', 'completed']);
    assert.equal(trials[1]!.attributes?.['parent'], 0, 'the second trial steps from the first');
    const list = captureIo(repoRoot);
    assert.equal(await main(['list', 'strategies', '--plugin', hillClimb], list.io), 0);
    assert.match(list.text().stdout, /hill-climb\s+dist\/examples\/hill-climb\/plugin\.js\s+\(1\+1\) hill climbing/);
    assert.match(list.text().stdout, /random\s+built-in/);
  });

  it('reads plugins from a JSON config with "$schema", relative to the file', async () => {
    const file = write('space.json', JSON.stringify({
      $schema: relative(dir, join(repoRoot, 'sparsenas.schema.json')), space: { name: 'bottleneck' }, evaluator: { name: 'fake' },
      plugins: [relative(dir, bottleneck), relative(dir, fakeEvaluator)], budget: { maxTrials: 2 },
    }));
    const t = captureIo(repoRoot);
    assert.equal(await main(['search', '--config', file, '--db', db, '--study', 'bottleneck'], t.io), 0, t.text().stderr);
    const view = await openStudy('bottleneck', { db });
    const trials = await view.trials();
    await view.close();
    assert.deepEqual(trials.map((x) => [x.state, x.architecture?.family]), [['completed', 'bottleneck'], ['completed', 'bottleneck']]);
  });

  it('loads a plugin named twice (config and --plugin) once', async () => {
    const { strategies } = listFactories(await createContainer([hillClimb, relative(process.cwd(), hillClimb)]));
    assert.equal(strategies.filter((f) => f.name === 'hill-climb').length, 1);
  });

  it('runs the example strategy from the API, with events as an observable', async () => {
    const run = search({ strategy: { name: 'hill-climb' }, evaluator: { name: 'fake' }, plugins: [hillClimb, fakeEvaluator], budget: { maxTrials: 3 }, seed: 1 }, { db: ':memory:', study: 'api' });
    const seen: SearchEvent['type'][] = [];
    run.events$.subscribe((e) => seen.push(e.type));
    const outcome = await run;
    assert.equal(outcome.trials.filter((x) => x.state === 'completed').length, 3);
    assert.equal(seen.filter((x) => x === 'trial.finished').length, 3);
    assert.equal(seen.at(-1), 'search.finished');
  });

  it('stores plugins with the study, so resume loads them again', async () => {
    const file = join(dir, 'resume.db');
    await search({ strategy: { name: 'hill-climb' }, evaluator: { name: 'fake' }, budget: { maxTrials: 2 } }, { db: file, study: 'r', plugins: [relative(process.cwd(), hillClimb), fakeEvaluator] });
    const outcome = await resume('r', { db: file, budget: { maxTrials: 3 } });
    assert.deepEqual(outcome.study.definition.plugins, [hillClimb, fakeEvaluator]);
    assert.deepEqual(outcome.trials.map((x) => x.state), ['completed', 'completed', 'completed']);
  });

  it('runs the real CLI binary with the example plugin on real training', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      'dist/cli/bin.js', 'search', '--plugin', 'dist/examples/hill-climb/plugin.js', '--strategy', 'hill-climb', '--trials', '3',
      '--subset', '300', '--db', join(dir, 'real.db'), '--study', 'real'], { cwd: repoRoot });
    assert.match(stdout, /strategy hill-climb/);
    assert.match(stdout, /search finished \(max-trials\)\s+3 trials: 3 completed/);
  });

  const broken: [string, string, RegExp][] = [
    ['syntax error', 'export default { strategies: [ ;', /plugin .*syntax\.mjs failed to load: .*Unexpected token/],
    ['no default export', 'export const strategies = [];', /plugin .*missing\.mjs must default-export \{ strategies\?, spaces\?, evaluators\? \}.*it exports strategies/],
    ['a name already taken', strategyPlugin('random', 'return undefined;'), /plugin .*taken\.mjs: strategy "random" is already registered/],
    ['a missing file', '', /plugin .*nowhere\.mjs failed to load: .*does not exist/],
  ];
  for (const [what, source, message] of broken) {
    it(`a plugin with ${what} is refused by name, before the database is touched`, async () => {
      const file = what === 'a missing file' ? join(dir, 'nowhere.mjs') : write(`${{ 'syntax error': 'syntax', 'no default export': 'missing', 'a name already taken': 'taken' }[what]}.mjs`, source);
      const bytes = readFileSync(db);
      const t = captureIo(dir);
      assert.equal(await main(['search', '--config', config, '--plugin', file, '--study', 'new'], t.io), 2);
      assert.match(t.text().stderr, message);
      assert.deepEqual(readFileSync(db), bytes);
    });
  }

  it('a strategy throwing in ask() fails its trials naming the plugin and the method; stored trials are kept', async () => {
    const file = write('throws.mjs', strategyPlugin('throws', 'throw new Error("boom " + this.n++);'));
    const t = captureIo(dir);
    assert.equal(await main(['search', '--config', config, '--plugin', file, '--strategy', 'throws', '--study', 'thrown', '--trials', '5'], t.io), 1);
    assert.match(t.text().stderr, /strategy "throws" \(plugin .*throws\.mjs\) threw in ask\(\) 3 times in a row; last: boom 2.*resume --study thrown/);
    const view = await openStudy('thrown', { db });
    const trials = await view.trials();
    assert.equal(view.study.state, 'interrupted');
    await view.close();
    assert.deepEqual(trials.map((x) => x.state), ['failed', 'failed', 'failed']);
    assert.match(trials[0]!.error!, /^strategy "throws" \(plugin .*throws\.mjs\) threw in ask\(\): boom 0$/);
    assert.deepEqual(await keptTrials(), kept);
  });

  it('an evaluator or a space throwing fails the trial naming the plugin and the method', async () => {
    const evaluator = write('bad-evaluator.mjs', `export default { evaluators: [{ name: 'bad', description: 'test', create: () => ({
      prepare: async () => ({ backend: 'none', reason: 'test' }), evaluate: async () => { throw new TypeError('no GPU here'); }, dispose: async () => {},
    }) }] };`);
    const space = write('bad-space.mjs', `export default { spaces: [{ name: 'bad-space', description: 'test', create: () => ({
      name: 'bad-space', dimensions: [{ name: 'x', kind: 'categorical', choices: [1] }], check: () => undefined, freeze: () => { throw new RangeError('oops'); },
    }) }] };`);
    const cfg = write('bad.json', JSON.stringify({ evaluator: { name: 'bad' }, plugins: [evaluator] }));
    assert.equal(await main(['search', '--config', cfg, '--study', 'bad-eval', '--trials', '1'], captureIo(dir).io), 0);
    assert.equal(await main(['search', '--config', config, '--plugin', space, '--space', 'bad-space', '--study', 'bad-space', '--trials', '1'], captureIo(dir).io), 0);
    const errors = [];
    for (const name of ['bad-eval', 'bad-space']) {
      const view = await openStudy(name, { db });
      errors.push(...(await view.trials()).map((x) => [x.state, x.error]));
      await view.close();
    }
    assert.equal(errors.length, 2);
    assert.match(String(errors[0]![1]), /^evaluator "bad" \(plugin .*bad-evaluator\.mjs\) threw in evaluate\(\): no GPU here$/);
    assert.match(String(errors[1]![1]), /^space "bad-space" \(plugin .*bad-space\.mjs\) threw in freeze\(\): oops$/);
    assert.deepEqual(errors.map((e) => e[0]), ['failed', 'failed']);
  });

  it('a strategy throwing in init() stops the search naming the plugin and the method', async () => {
    const file = write('init.mjs', strategyPlugin('init-throws', 'return undefined;').replace('init() {}', 'init() { throw new Error("bad options"); }'));
    const t = captureIo(dir);
    assert.equal(await main(['search', '--config', config, '--plugin', file, '--strategy', 'init-throws', '--study', 'init'], t.io), 1);
    assert.match(t.text().stderr, /strategy "init-throws" \(plugin .*init\.mjs\) threw in init\(\): bad options/);
    assert.deepEqual(await keptTrials(), kept);
  });

  it('a plugin evaluator that declares no training method cannot run a strategy that needs one: the search stops at init', async () => {
    const file = write('methods.json', JSON.stringify({ evaluator: { name: 'fake' }, strategy: { name: 'wgsef', options: { k: 2 } } }));
    const t = captureIo(dir);
    assert.equal(await main(['search', '--config', file, '--plugin', fakeEvaluator, '--db', join(dir, 'methods.db'), '--study', 'methods', '--trials', '2'], t.io), 1);
    assert.match(t.text().stderr, /strategy "wgsef" threw in init\(\): evaluator "fake" cannot train method "wgsef" \(it trains no method\)/);
  });

  it('a candidate outside the space fails its trial naming the plugin, the method and the dimension', async () => {
    const file = write('outside.mjs', strategyPlugin('outside', 'return { sample: { layers: 99 } };'));
    const t = captureIo(dir);
    assert.equal(await main(['search', '--config', config, '--plugin', file, '--strategy', 'outside', '--study', 'outside', '--trials', '2'], t.io), 0, t.text().stderr);
    const view = await openStudy('outside', { db });
    const trials = await view.trials();
    await view.close();
    assert.deepEqual(trials.map((x) => x.state), ['failed', 'failed']);
    assert.match(trials[0]!.error!, /strategy "outside" \(plugin .*outside\.mjs\) returned a candidate outside the space "mlp" from ask\(\): dimension "layers"/);
    assert.deepEqual(await keptTrials(), kept);
  });
});
