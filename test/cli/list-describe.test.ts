import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.js';
import { definitionFromFlags } from '../../cli/commands/search.js';
import { CnnSpace, MlpSpace, BUILTIN_SPACES } from '../../spaces/index.js';
import { BUILTIN_STRATEGIES, sampleSpace } from '../../strategies/index.js';
import { createRng, describeOptions } from '../../search/index.js';
import type { OptionsSchema } from '../../search/index.js';
import { captureIo } from './capture-io.js';

/** Every key of an options schema, nested objects as dotted keys, read from the zod definition itself. */
function schemaKeys(schema: OptionsSchema, prefix = ''): string[] {
  const def = (schema as unknown as { _zod: { def: { type: string; innerType?: OptionsSchema; shape?: Record<string, OptionsSchema> } } })._zod.def;
  if (def.type === 'optional' || def.type === 'default') return schemaKeys(def.innerType!, prefix);
  if (def.type !== 'object') return [];
  return Object.entries(def.shape!).flatMap(([k, v]) => [prefix + k, ...schemaKeys(v, `${prefix}${k}.`)]);
}

async function list(...args: string[]): Promise<string> {
  const t = captureIo(mkdtempSync(join(tmpdir(), 'sparsenas-list-')));
  assert.equal(await main(['list', ...args], t.io), 0, t.text().stderr);
  return t.text().stdout;
}

describe('list spaces NAME / list strategies NAME (issue 17 defect 1)', () => {
  it('a space lists every dimension and every option with its type, default and meaning', async () => {
    for (const f of BUILTIN_SPACES) {
      const out = await list('spaces', f.name);
      for (const d of f.create({}).dimensions) assert.match(out, new RegExp(`^  ${d.name} +${d.kind} `, 'm'), `${f.name}: dimension ${d.name}`);
      const keys = schemaKeys(f.optionsSchema!);
      assert.ok(keys.length > 3);
      for (const k of keys) assert.match(out, new RegExp(`^  ${k.replace(/\./g, '\\.')} `, 'm'), `${f.name}: option ${k}`);
    }
    const mlp = await list('spaces', 'mlp');
    assert.match(mlp, /^ {2}maxLayers +integer 1\.\.8 +4 +most hidden layers/m);
    assert.match(mlp, /^ {2}sparsity\.methods +list of static\|gmp\|rigl\|set +\["static","gmp","rigl","set"\] +sparse-training methods/m);
  });

  it('a strategy lists every option of its schema', async () => {
    for (const f of BUILTIN_STRATEGIES) {
      const out = await list('strategies', f.name);
      assert.match(out, new RegExp(`^strategy ${f.name} `));
      for (const k of schemaKeys(f.optionsSchema!)) assert.match(out, new RegExp(`^  ${k.replace(/\./g, '\\.')} `, 'm'), `${f.name}: option ${k}`);
      assert.equal(describeOptions(f.optionsSchema!).length, schemaKeys(f.optionsSchema!).length, `${f.name}: one row per key`);
    }
    assert.match(await list('strategies', 'evolution'), /^ {2}population +integer ≥ 2 +20 +/m);
  });

  it('an unknown name is refused with the available ones', async () => {
    const t = captureIo(mkdtempSync(join(tmpdir(), 'sparsenas-list-')));
    assert.equal(await main(['list', 'strategies', 'gird'], t.io), 2);
    assert.match(t.text().stderr, /unknown strategy "gird"; available: random, grid, evolution/);
  });
});

describe('the default spaces search sparse training (issue 17 defect 1)', () => {
  it('mlp and cnn draw static, GMP, RigL and SET, unstructured and N:M masks', () => {
    for (const space of [new MlpSpace(), new CnnSpace()]) {
      const methods = new Set<string>();
      const kinds = new Set<string>();
      for (let seed = 0; seed < 200; seed++) {
        const s = sampleSpace(space, createRng(seed));
        const a = space.freeze(s);
        if (a.sparsity.level > 0) methods.add(a.sparsity.method);
        kinds.add(a.sparsity.kind);
        if (space.name === 'cnn' && a.sparsity.method === 'static' && a.sparsity.kind !== 'n:m') assert.ok(a.sparsity.level <= 0.9 + 1e-9, `static cnn mask at ${a.sparsity.level}`);
      }
      assert.deepEqual([...methods].sort(), ['gmp', 'rigl', 'set', 'srste', 'static'], space.name);
      assert.deepEqual([...kinds].sort(), ['n:m', 'unstructured'], space.name);
    }
  });
});

describe('--sparsity, --methods, --kinds (issue 17 defect 1)', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'sparsenas-flags-'));
  it('narrow the sparsity dimensions of the space', () => {
    const { definition } = definitionFromFlags(['--space', 'cnn', '--sparsity', '0.8,0.9,0.95', '--methods', 'rigl,gmp', '--kinds', 'n:m'], cwd);
    assert.deepEqual(definition.space?.options?.['sparsity'], { levels: [0.8, 0.9, 0.95], methods: ['rigl', 'gmp'], kinds: ['n:m'] });
    const space = new CnnSpace(definition.space!.options as never);
    assert.deepEqual(space.dimensions.find((d) => d.name === 'sparse_method'), { name: 'sparse_method', kind: 'categorical', choices: ['rigl', 'gmp'], description: 'how the mask evolves during training' });
  });

  it('override a config file key by key, keeping its other sparsity options', () => {
    const file = join(cwd, 'c.json');
    writeFileSync(file, JSON.stringify({ space: { name: 'mlp', options: { maxLayers: 2, sparsity: { methods: ['static'], init: ['random'] } } } }));
    const { definition } = definitionFromFlags(['--config', file, '--methods', 'set'], cwd);
    assert.deepEqual(definition.space?.options, { maxLayers: 2, sparsity: { methods: ['set'], init: ['random'] } });
  });

  it('refuse values the space does not allow, naming the flag, the value and the choices', () => {
    const cases: [string[], RegExp][] = [
      [['--methods', 'rigl,rigll'], /--methods: "rigll" is not a sparse-training method of space "mlp"; choose from static, gmp, rigl, set/],
      [['--kinds', 'nm'], /--kinds: "nm" is not a sparsity kind of space "mlp"; choose from unstructured, n:m, group/],
      [['--sparsity', '0.99'], /--sparsity: "0\.99" is not a sparsity level of space "mlp": give fractions of zero weights in \[0, 0\.98\]/],
      [['--sparsity', '80%'], /--sparsity: "80%" is not a sparsity level/],
      [['--sparsity', '0.8,'], /--sparsity: empty item/],
    ];
    for (const [argv, pattern] of cases) assert.throws(() => definitionFromFlags(argv, cwd), pattern, argv.join(' '));
  });

  it('are documented in search --help', async () => {
    const t = captureIo(cwd);
    assert.equal(await main(['search', '--help'], t.io), 0);
    for (const flag of ['--sparsity L,L,...', '--methods M,M,...', '--kinds K,K,...', 'sparsenas list spaces NAME']) assert.ok(t.text().stdout.includes(flag), flag);
  });
});
