import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  host, parseReproduceArgs, planStudies, randomBaselineReproduction, REPRODUCTIONS, replicateSeed, resolveParams, runReproduction, ReproduceArgsError,
} from '../../bench/reproduce/index.js';
import type { Reproduction } from '../../bench/reproduce/index.js';
import { planTrainValidation } from '../../evaluators/data/split-plan.js';
import type { JsonObject } from '../../search/index.js';

const NAMES = REPRODUCTIONS.map((r) => r.name);

describe('reproduce command line', () => {
  it('parses every option; defaults as before', () => {
    const a = parseReproduceArgs(['random-baseline', '--seed', '7', '--replicates', '12', '--dataset', 'embedded', '--subset', '500', '--epochs', '2', '--quick', '--seeds', '3'], NAMES);
    assert.deepEqual({ ...a }, { names: ['random-baseline'], seed: 7, replicates: 12, dataset: 'embedded', subset: 500, epochs: 2, quick: true, full: false, seeds: 3, db: 'reproductions.db', results: 'docs/results.md', reportOnly: false });
    const d = parseReproduceArgs(['wgsef', '--seed=9'], NAMES);
    assert.equal(d.seed, 9);
    assert.equal(d.seeds, 1);
    const p = resolveParams(randomBaselineReproduction, parseReproduceArgs(['random-baseline'], NAMES));
    assert.deepEqual(p, { ...randomBaselineReproduction.defaults });
    const q = resolveParams(randomBaselineReproduction, parseReproduceArgs(['random-baseline', '--quick', '--replicates', '5'], NAMES));
    assert.equal(q.replicates, 5, 'an explicit flag beats --quick');
    assert.equal(q.subset, randomBaselineReproduction.quick.subset);
  });

  it('refuses bad input with an error naming the option and the fix', () => {
    const bad: [string[], RegExp][] = [
      [[], /name a reproduction \(random-baseline, sparse-ift, wgsef, dass\)/],
      [['nope'], /unknown reproduction "nope"; known: random-baseline/],
      [['wgsef', '--replicates', '1'], /--replicates must be an integer from 2 to 1000 .*paired t-test needs at least 2.*got "1"/],
      [['wgsef', '--seed', '-3'], /--seed needs a value|--seed must be an integer/],
      [['wgsef', '--epochs', '2.5'], /--epochs must be an integer from 1/],
      [['wgsef', '--subset', 'lots'], /--subset must be an integer from 20 to 60000/],
      [['wgsef', '--seeds', '0'], /--seeds must be an integer from 1 to 20/],
      [['wgsef', '--seeds'], /--seeds needs a value; usage:/],
      [['wgsef', '--dataset', '--quick'], /--dataset needs a value/],
      [['wgsef', '--seed', '1', '--seed', '2'], /--seed given twice/],
      [['wgsef', '--quick=yes'], /--quick takes no value/],
      [['wgsef', '--fast'], /unknown option --fast; usage: npm run reproduce -- NAME/],
      [['random-baseline', '--focus-replicates', '-1'], /--focus-replicates needs a value|--focus-replicates must be an integer from 0 to 5000/],
      [['random-baseline', '--focus-replicates', 'x'], /--focus-replicates must be an integer from 0 to 5000 \(replicates of the reproduction's deciding comparison/],
    ];
    for (const [argv, re] of bad) {
      assert.throws(() => parseReproduceArgs(argv, NAMES), (e: unknown) => e instanceof ReproduceArgsError && re.test(e.message), `argv ${JSON.stringify(argv)}`);
    }
  });
});

describe('replicates', () => {
  it('every replicate draws its own subset and validation split; the studies of one replicate share them', () => {
    const p = { ...randomBaselineReproduction.defaults, replicates: 3, focusReplicates: 0, subset: 200 };
    const plan = planStudies(randomBaselineReproduction, p);
    assert.equal(plan.length, 3 * 2);
    const seedOf = (base: string, r: number) => plan.find((s) => s.base === base && s.replicate === r)!.definition['seed'] as number;
    assert.equal(seedOf('random-baseline', 1), replicateSeed(p.seed, 1));
    assert.equal(seedOf('random-baseline', 1), seedOf('random-baseline-init', 1), 'paired: same seed in every study of a replicate');
    assert.equal(new Set(plan.map((s) => s.name)).size, plan.length, 'stored names are unique');
    // The split the evaluator carves from each replicate's seed.
    const labels = Array.from({ length: 2000 }, (_, i) => i % 10);
    const split = (seed: number) => planTrainValidation(labels, 10, { validationFraction: 0.2, subset: 200, seed }, 'test');
    const key = (s: ReturnType<typeof split>) => `${[...s.train].sort((a, b) => a - b).join(',')}|${[...s.validation].sort((a, b) => a - b).join(',')}`;
    const keys = [0, 1, 2].map((r) => key(split(seedOf('random-baseline', r))));
    assert.equal(new Set(keys).size, 3, 'three replicates, three different subsets/splits');
    assert.equal(key(split(seedOf('random-baseline-init', 2))), keys[2]);
    // Another study seed: other replicate seeds and other stored names.
    const other = planStudies(randomBaselineReproduction, { ...p, seed: 7 });
    assert.notEqual(other[0]!.definition['seed'], plan[0]!.definition['seed']);
    assert.notEqual(other[0]!.name, plan[0]!.name);
  });

  it('wgsef plans the MLP half only unless --full, under the same stored names either way; --full is refused where nothing is left out', () => {
    const wgsef = REPRODUCTIONS.find((r) => r.name === 'wgsef')!;
    const args = parseReproduceArgs(['wgsef', '--subset', '500'], NAMES);
    const mlp = planStudies(wgsef, resolveParams(wgsef, args));
    assert.deepEqual([...new Set(mlp.map((s) => s.base))], ['wgsef-mlp', 'wgsef-mlp-dense']);
    const quick = planStudies(wgsef, resolveParams(wgsef, parseReproduceArgs(['wgsef', '--quick', '--subset', '500'], NAMES)));
    assert.deepEqual([...new Set(quick.map((s) => s.base))], ['wgsef-mlp', 'wgsef-mlp-dense']);
    const fullArgs = parseReproduceArgs(['wgsef', '--full', '--subset', '500'], NAMES);
    assert.equal(fullArgs.full, true);
    const full = planStudies(wgsef, resolveParams(wgsef, fullArgs));
    assert.deepEqual([...new Set(full.map((s) => s.base))], ['wgsef-mlp', 'wgsef-mlp-dense', 'wgsef-cnn', 'wgsef-cnn-dense']);
    assert.ok(mlp.every((q) => full.some((f) => f.name === q.name)), 'the MLP half keeps its stored names under --full');
    assert.match(wgsef.protocol(resolveParams(wgsef, args)), /only under --full \(not in this run\)/);
    assert.ok(wgsef.fullPart, 'wgsef states what --full adds and its cost');
    assert.throws(() => resolveParams(randomBaselineReproduction, parseReproduceArgs(['random-baseline', '--full'], NAMES)), /--full: random-baseline has no part left out/);
    assert.throws(() => parseReproduceArgs(['wgsef', '--full=1'], NAMES), /--full takes no value/);
  });

  it('focus replicates: replicates past --replicates run only the focus studies, under the same study names; the first keep their stored names', () => {
    const p = resolveParams(randomBaselineReproduction, parseReproduceArgs(['random-baseline', '--replicates', '3', '--focus-replicates', '5'], NAMES));
    assert.equal(p.focusReplicates, 5);
    const plan = planStudies(randomBaselineReproduction, p);
    assert.equal(plan.length, 5 * 2);
    assert.deepEqual([...new Set(plan.map((s) => s.base))], ['random-baseline', 'random-baseline-init'], 'merged by name in the report');
    const levels = (s: (typeof plan)[number]) => ((s.definition['strategy'] as JsonObject)['options'] as JsonObject)['levels'];
    const budget = (s: (typeof plan)[number]) => (s.definition['budget'] as JsonObject)['maxTrials'];
    for (const s of plan) {
      assert.deepEqual(levels(s), s.replicate < 3 ? [0.5, 0.75, 0.9] : [0.9], s.name);
      assert.equal(budget(s), s.replicate < 3 ? 22 : 8, s.name);
      assert.equal(s.definition['seed'], replicateSeed(p.seed, s.replicate));
    }
    assert.equal(new Set(plan.map((s) => s.name)).size, plan.length, 'stored names are unique');
    const plain = planStudies(randomBaselineReproduction, { ...p, focusReplicates: 0 });
    assert.deepEqual(plain.map((s) => s.name), plan.slice(0, 6).map((s) => s.name), 'adding focus replicates keeps the first replicates\' stored studies');
    // Not above --replicates: none extra; --quick has none; the default sizes s = 0.9 apart.
    assert.equal(planStudies(randomBaselineReproduction, { ...p, focusReplicates: 2 }).length, 3 * 2);
    assert.equal(planStudies(randomBaselineReproduction, resolveParams(randomBaselineReproduction, parseReproduceArgs(['random-baseline', '--quick'], NAMES))).length, 4 * 2);
    assert.ok((randomBaselineReproduction.defaults.focusReplicates ?? 0) > randomBaselineReproduction.defaults.replicates);
    const wgsef = REPRODUCTIONS.find((r) => r.name === 'wgsef')!;
    assert.throws(() => resolveParams(wgsef, parseReproduceArgs(['wgsef', '--focus-replicates', '30'], NAMES)), /--focus-replicates: wgsef has no comparison that needs more replicates than the rest; use --replicates/);
  });

  it('a parameter change gives new stored names (no silent reuse of another size)', () => {
    const a = planStudies(randomBaselineReproduction, { ...randomBaselineReproduction.defaults, replicates: 2 });
    const b = planStudies(randomBaselineReproduction, { ...randomBaselineReproduction.defaults, replicates: 2, epochs: 3 });
    assert.notEqual(a[0]!.name, b[0]!.name);
  });
});

describe('a tiny reproduction run', () => {
  it('runs two study seeds on the embedded data and writes a section with per-seed verdicts and the robustness table', { timeout: 120_000 }, async () => {
    // random-baseline cut to one level and two candidates: 6 trials per replicate study.
    // Its focus (s = 0.9) cut the same way, for one replicate more than --replicates.
    const cut = (specs: ReturnType<Reproduction['studies']>) => specs.map((s) => {
      const d = s.definition as JsonObject & { strategy: { options: JsonObject }; budget: JsonObject };
      return { name: s.name, definition: { ...d, strategy: { ...d.strategy, options: { ...d.strategy.options, levels: [0.9], candidates: 2, proxySteps: 2 } }, budget: { maxTrials: 5 } } };
    });
    const tiny: Reproduction = {
      ...randomBaselineReproduction,
      studies: (p) => cut(randomBaselineReproduction.studies(p)),
      focus: { label: 's = 0.9 (tiny)', studies: (p) => cut(randomBaselineReproduction.focus!.studies(p)) },
    };
    const dir = mkdtempSync(join(tmpdir(), 'repro-'));
    try {
      const args = parseReproduceArgs(['random-baseline', '--dataset', 'embedded', '--replicates', '2', '--subset', '100', '--epochs', '1', '--focus-replicates', '3', '--seeds', '2', '--db', join(dir, 'r.db'), '--results', join(dir, 'results.md')], NAMES);
      const runs = await runReproduction(tiny, args, { log: () => {} });
      assert.deepEqual(runs.map((r) => r.seed), [2024, 2025]);
      const text = readFileSync(join(dir, 'results.md'), 'utf8');
      assert.match(text, /<!-- reproduce:random-baseline -->/);
      assert.match(text, /### Study seed 2024[\s\S]*### Study seed 2025/);
      assert.match(text, /\*\*Verdict \(study seed 2024\): (held|did not hold|inconclusive at this n|partly held)\.\*\*/);
      assert.match(text, /### Robustness across study seeds \(2024, 2025\)/);
      assert.match(text, /\| trained proxy: accuracy equivalent \(±0\.5 pp\) \| (held|did not hold|inconclusive at this n) \| (held|did not hold|inconclusive at this n) \| (yes|\*\*no\*\*) \|/);
      assert.match(text, /Detectable here: a difference of/);
      assert.match(text, /Holm/);
      assert.match(text, /Replicate study seeds \(study seed 2024\): 0: \d+, 1: \d+/);
      assert.match(text, /`npm run reproduce -- random-baseline --replicates 2 --dataset embedded --subset 100 --epochs 1 --focus-replicates 3 --seeds 2`/);
      assert.match(text, /\*\*Replicates\.\*\* 2 per configuration; 3 for s = 0\.9 \(tiny\) \(replicate 2 run only its studies\)/);
      // The focus replicate's pair joins the level's test: n = 3 there.
      assert.match(text, /searched s=0\.9 \| [^|]+ \| [^|]+ \| [^|]+\(n = 3\)/);
      assert.match(text, /Replicate study seeds \(study seed 2024\): 0: \d+, 1: \d+, 2: \d+\./);
      // The machine is the run's, from <db>.hosts.log: a re-render elsewhere or with other
      // kernel threads still names it; without the log the section says it was not recorded.
      const ran = host();
      assert.ok(text.includes(`--seeds 2\` (machine: ${ran})`), 'the machine of the run');
      // A second invocation finds every replicate finished and only re-renders.
      const threads = process.env.SPARSENAS_NATIVE_THREADS;
      process.env.SPARSENAS_NATIVE_THREADS = '7';
      let again: Awaited<ReturnType<typeof runReproduction>>;
      try {
        again = await runReproduction(tiny, { ...args, reportOnly: true }, { log: () => {} });
      } finally {
        if (threads === undefined) delete process.env.SPARSENAS_NATIVE_THREADS; else process.env.SPARSENAS_NATIVE_THREADS = threads;
      }
      assert.equal(again[0]!.wallMs, undefined);
      const rerendered = readFileSync(join(dir, 'results.md'), 'utf8');
      assert.ok(rerendered.includes(`(machine: ${ran})`), 'a re-render with other kernel threads keeps the run\'s machine line');
      assert.ok(!rerendered.includes('native kernel threads 7'));
      rmSync(join(dir, 'r.db.hosts.log'));
      await runReproduction(tiny, { ...args, reportOnly: true }, { log: () => {} });
      assert.match(readFileSync(join(dir, 'results.md'), 'utf8'), /\(machine of the run not recorded; rendered on [^)]+\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
