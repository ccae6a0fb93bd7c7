import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  alphaSteps, DASS_ALPHA_LR, DASS_LEVELS, DASS_NETWORK, DASS_PAPER_GAIN, DASS_SIZING_SD, dassReproduction, parseReproduceArgs, planStudies, renderReproduction, reportDass, REPRODUCTIONS, resolveParams, retrainPhases,
} from '../../bench/reproduce/index.js';
import type { StudyData } from '../../bench/reproduce/index.js';
import { tQuantile } from '../../bench/reproduce/inference.js';
import type { Genotype, JsonObject, Metrics, Study, Trial } from '../../search/index.js';

const NAMES = REPRODUCTIONS.map((r) => r.name);

const metrics = (testAccuracy: number, extra: Partial<Metrics> = {}): Metrics => ({
  valAccuracy: testAccuracy, valLoss: 1 - testAccuracy, trainLoss: 0.3, testAccuracy, params: 10000, nonZeros: 1000, sparsity: 0.9,
  denseFlops: 2e6, sparseFlops: 2e5, trainTimeMs: 1, epochs: 5, samplesPerSecond: 1, backend: 'fake', layers: [], ...extra,
});
let id = 0;
const trial = (group: string, attributes: JsonObject, m: Metrics, seconds: number): Trial => ({
  id: ++id, studyId: 1, number: id, state: 'completed', sample: {}, architecture: null, seed: 1, group, attributes, metrics: m, startedAt: 0, finishedAt: seconds * 1000,
});
/** A genotype whose 16 ops are `param` parametric ones (sep_conv_3x3) and the rest max pools. */
const genotype = (param: number): Genotype => {
  const ops = Array.from({ length: 16 }, (_, i) => (i < param ? 'sep_conv_3x3' : 'max_pool_3x3'));
  const edges = (o: string[]) => o.map((op, i) => [op, i % 2 === 0 ? 0 : 1]) as Genotype['normal'];
  return { normal: edges(ops.slice(0, 8)), normal_concat: [2, 3, 4, 5], reduce: edges(ops.slice(8)), reduce_concat: [2, 3, 4, 5] };
};
/** Deterministic pseudo-noise in ±amp (replicates must differ, or a paired test has zero variance). */
const noise = (i: number, amp: number) => Math.sin(i * 12.9898 + 1) * amp;

/**
 * A fake dass study: per replicate a dense DARTS supernet, a DASS supernet per level, and per level
 * the three derived cells; `gap(level, vs, r)` is DASS's accuracy minus that control's.
 */
function fakeStudy(replicates: number, gap: (level: number, vs: 'darts' | 'random', r: number) => number): StudyData {
  const trials: Trial[] = [];
  for (let r = 0; r < replicates; r++) {
    const sup = (arm: string, sparsity: number | null, ent: number) => trial(`${arm}-supernet`, { role: 'supernet', replicate: r, dass: { kind: 'search', job: 0, arm, sparsity, seedIndex: 0 } },
      metrics(0.5, { outputs: { alphaEntropy: { normal: ent, reduce: ent + 0.01 } } }), 180);
    trials.push(sup('darts', null, 1.7));
    for (const level of DASS_LEVELS) {
      trials.push(sup('dass', level, 1.5));
      const base = 0.7 - level / 2;
      const d = (arm: string, a: number, param: number) => trial(`${arm}-s${level * 100}`, { role: 'derived', replicate: r, genotype: genotype(param) as unknown as JsonObject, dass: { kind: 'derived', job: 1, arm, sparsity: level, seedIndex: 0 } },
        metrics(a, { nonZeros: Math.round(10000 * (1 - level)), sparsity: level, sparseFlops: 2e6 * (1 - level) }), 60);
      trials.push(d('dass', base + noise(r, 0.002), 12), d('darts', base - gap(level, 'darts', r) + noise(r + 7, 0.002), 4), d('random', base - gap(level, 'random', r) + noise(r + 13, 0.002), 8));
    }
  }
  const definition = { seed: 1, strategy: { name: 'dass', options: {} }, dataset: { name: 'embedded', subset: 200, validationFraction: 0.2 }, training: { epochs: 3 } };
  const study = { id: 1, name: 'dass', state: 'finished', definition, backend: 'fake' } as unknown as Study;
  return { study, trials, epochs: new Map(), replicates: [{ index: 0, study: { ...study, name: 'dass-1-abc-r0' } }] };
}

describe('reproduce dass: registry and sizing', () => {
  it('the registry lists dass and the command line accepts it', () => {
    assert.ok(NAMES.includes('dass'));
    assert.deepEqual(parseReproduceArgs(['dass', '--seeds', '2'], NAMES).names, ['dass']);
  });

  it('--quick is what its sizing says: 2 replicates on the embedded data, 300 images, 3 epochs (1 pretrain, 1 prune, 1 finetune)', () => {
    const q = resolveParams(dassReproduction, parseReproduceArgs(['dass', '--quick'], NAMES));
    assert.deepEqual({ replicates: q.replicates, dataset: q.dataset, subset: q.subset, epochs: q.epochs }, { replicates: 2, dataset: 'embedded', subset: 300, epochs: 3 });
    const plan = planStudies(dassReproduction, q);
    assert.equal(plan.length, 2, 'one dass study per replicate');
    for (const s of plan) {
      const def = s.definition as JsonObject;
      const o = (def['strategy'] as JsonObject)['options'] as JsonObject;
      assert.deepEqual(o['retrain'], { pretrain: 1, prune: 1, finetune: 1 });
      assert.deepEqual(o['sparsity'], [0.9, 0.98]);
      assert.deepEqual(o['controls'], ['darts', 'random']);
      assert.equal(o['seeds'], 1, 'the harness makes the replicates');
      assert.deepEqual((def['dataset'] as JsonObject)['subset'], 300);
      assert.equal((def['training'] as JsonObject)['epochs'], 3);
      assert.equal((def['budget'] as JsonObject)['maxTrials'], 9, '1 DARTS + 2 DASS supernets + 6 derived cells');
    }
    assert.notEqual((plan[0]!.definition as JsonObject)['seed'], (plan[1]!.definition as JsonObject)['seed'], 'each replicate its own study seed');
    const full = resolveParams(dassReproduction, parseReproduceArgs(['dass'], NAMES));
    assert.equal(planStudies(dassReproduction, full).length, 9, 'the default has 9 paired replicates');
    assert.equal(full.dataset, 'fashion-mnist');
  });

  it('the plan can leave chance and move α: derived cells C = 24 (C = 8 sat at chance at 90%), α lr × α steps ≥ 2 logits by default', () => {
    for (const args of [['dass'], ['dass', '--quick']]) {
      const p = resolveParams(dassReproduction, parseReproduceArgs(args, NAMES));
      const o = ((planStudies(dassReproduction, p)[0]!.definition as JsonObject)['strategy'] as JsonObject)['options'] as JsonObject;
      assert.equal((o['network'] as JsonObject)['channels'], DASS_NETWORK.channels);
      assert.ok(DASS_NETWORK.channels >= 24, 'every kernel keeps 1 − s of its weights: at C = 8, s = 0.9 the derived cell fell to chance');
      assert.equal((o['alpha'] as JsonObject)['learningRate'], DASS_ALPHA_LR);
    }
    const full = resolveParams(dassReproduction, parseReproduceArgs(['dass'], NAMES));
    assert.equal(alphaSteps(full), 75, '3 search epochs of ⌈800 / 32⌉ steps');
    // Adam moves a logit by at most ≈ lr per step: at 3e-3 this budget was 0.23 and α stayed at ln 6.
    assert.ok(DASS_ALPHA_LR * alphaSteps(full) >= 2, `α budget ${DASS_ALPHA_LR * alphaSteps(full)}`);
    assert.match(dassReproduction.protocol(full), /lr 0\.03, .* lr × α steps ≈ 2\.25 logits/);
  });

  it('the default n is the smallest that detects the paper\'s gain at the sizing sd under the strictest Holm step (one-sided 1.25%, power 0.8)', () => {
    const mde = (n: number) => (tQuantile(1 - 0.05 / 4, n - 1) + tQuantile(0.8, n - 1)) * DASS_SIZING_SD / Math.sqrt(n);
    const n = dassReproduction.defaults.replicates;
    assert.ok(mde(n) <= DASS_PAPER_GAIN, `n = ${n} detects ${(mde(n) * 100).toFixed(2)} pp`);
    assert.ok(mde(n - 1) > DASS_PAPER_GAIN, `n = ${n - 1} already detects ${(mde(n - 1) * 100).toFixed(2)} pp`);
    assert.ok(dassReproduction.sizing.includes(`default is ${n} replicates`));
  });

  it('the sizing text measures the plan it sizes (default images, batch, derived C)', () => {
    const full = resolveParams(dassReproduction, parseReproduceArgs(['dass'], NAMES));
    const def = planStudies(dassReproduction, full)[0]!.definition as JsonObject;
    const subset = (def['dataset'] as JsonObject)['subset'] as number;
    const batch = (def['training'] as JsonObject)['batchSize'] as number;
    const sizing = dassReproduction.sizing;
    assert.ok(sizing.includes(`${subset.toLocaleString('en-US')} images`), `sizing should time the default's ${subset} images`);
    assert.ok(sizing.includes(`batch ${batch}`), `sizing should time the default's batch ${batch}`);
    assert.ok(sizing.includes(`C = ${DASS_NETWORK.channels}`), `sizing should time derived cells at C = ${DASS_NETWORK.channels}`);
    assert.match(sizing, /CPU-s/);
  });

  it('--epochs sets the derived retraining (at least 3: pretrain, prune, finetune) and says so when too small', () => {
    assert.deepEqual(retrainPhases(5), { pretrain: 3, prune: 1, finetune: 1 });
    assert.throws(() => retrainPhases(2), /--epochs must be at least 3/);
    const p = resolveParams(dassReproduction, parseReproduceArgs(['dass', '--epochs', '2'], NAMES));
    assert.throws(() => planStudies(dassReproduction, p), /--epochs must be at least 3/);
  });
});

describe('reproduce dass: section and verdicts', () => {
  it('a consistent gain over both controls holds at both levels; the table has every arm, non-zeros, share, entropy and time', () => {
    const r = reportDass([fakeStudy(4, () => 0.05)]);
    assert.equal(r.verdict, 'held');
    assert.deepEqual(r.claims!.map((c) => c.verdict), ['held', 'held', 'held', 'held']);
    assert.match(r.body, /\| s = 0\.9 \| DASS cell \| /);
    assert.match(r.body, /\| s = 0\.98 \| DARTS cell, pruned \| /);
    assert.match(r.body, /\| s = 0\.98 \| random cell \| /);
    assert.match(r.body, /\| s = 0\.9 \| DASS cell \| [\d.]+ ± [\d.]+ \(n = 4\) \| 0\/4 \| — \| 1,000 \| 90\.0% \| 200,000 \| 0\.75 ± 0\.00 \| 1\.500 ± 0\.000 \/ 1\.510 ± 0\.000 \| 3\.0 min \+ 1\.0 min \|/);
    assert.match(r.body, /\| s = 0\.98 \| random cell \| [^|]+ \| 0\/4 \| — \| 200 \| 98\.0% \| 40,000 \| 0\.50 ± 0\.00 \| — \| 0\.0 min \+ 1\.0 min \|/);
    assert.match(r.body, /DARTS cell, pruned \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \| [^|]+ \| 0\.25 ± 0\.00 \| 1\.700/);
    assert.match(r.body, /Family: 2 level\(s\) × 2 comparisons = 4 one-sided paired tests, Holm/);
    assert.match(r.body, /s = 0\.9: DASS − DARTS-pruned: \+5\.\d\d pp/);
    assert.match(r.body, /Detectable here: \d+\.\d\d pp/);
    assert.match(r.body, /\*\*s = 0\.98: held\.\*\*/);
  });

  it('differences whose interval straddles 0 are inconclusive at this n, not held and not refuted', () => {
    const r = reportDass([fakeStudy(3, (_l, _v, rep) => [0.04, -0.03, 0.01][rep]!)]);
    assert.equal(r.verdict, 'inconclusive at this n');
    assert.ok(r.claims!.every((c) => c.verdict === 'inconclusive at this n'));
    assert.match(r.body, /\*\*s = 0\.9: inconclusive at this n\.\*\*/);
  });

  it('each comparison is tested against the paper\'s +7.91 pp: ruled out for gains near 0, not for a gain that large; the verdict is unchanged', () => {
    assert.equal(DASS_PAPER_GAIN, 0.0791);
    const near0 = reportDass([fakeStudy(6, (_l, _v, rep) => [0.01, -0.01, 0.005, 0, -0.005, 0.01][rep]!)]);
    assert.equal(near0.verdict, 'inconclusive at this n');
    assert.equal(near0.body.match(/A gain of the paper's \+7\.91 pp: one-sided p = [^)]+\) → \*\*rejected\*\*/g)!.length, 4);
    assert.match(near0.reasoning, /paper's \+7\.91 pp is rejected \(Holm 5%\) in 4 of 4 comparisons/);
    const large = reportDass([fakeStudy(4, () => 0.09)]);
    assert.equal(large.verdict, 'held');
    assert.equal(large.body.match(/→ not rejected\./g)!.length, 4);
    assert.match(large.reasoning, /in 0 of 4 comparisons/);
    // Too few, too noisy replicates bound nothing: [+4, −3, +1] pp at n = 3.
    const noisy = reportDass([fakeStudy(3, (_l, _v, rep) => [0.04, -0.03, 0.01][rep]!)]);
    assert.match(noisy.reasoning, /in 0 of 4 comparisons/);
  });

  it('a control consistently better at one level: that level did not hold, the other held: partly held', () => {
    const r = reportDass([fakeStudy(5, (level, vs) => (level === 0.98 && vs === 'darts' ? -0.06 : 0.05))]);
    assert.equal(r.claims!.find((c) => c.claim === 's = 0.98: DASS beats DARTS-pruned')!.verdict, 'did not hold');
    assert.match(r.body, /\*\*s = 0\.98: did not hold\.\*\*/);
    assert.match(r.body, /\*\*s = 0\.9: held\.\*\*/);
    assert.equal(r.verdict, 'partly held');
  });

  it('one gain of two at a level is not enough to hold it; a missing control leaves it inconclusive', () => {
    const r = reportDass([fakeStudy(4, (_l, vs, rep) => (vs === 'darts' ? 0.05 : [0.04, -0.03, 0.01, -0.02][rep]!))]);
    assert.equal(r.verdict, 'inconclusive at this n');
    const data = fakeStudy(4, () => 0.05);
    data.trials = data.trials.filter((t) => (t.attributes!['dass'] as JsonObject)['arm'] !== 'random');
    assert.equal(reportDass([data]).verdict, 'inconclusive at this n');
  });

  it('cells that all end at chance are counted, show their accuracy before pruning, and decide nothing (zero variance)', () => {
    const data = fakeStudy(3, () => 0);
    for (const t of data.trials) {
      if ((t.attributes!['dass'] as JsonObject)['kind'] !== 'derived') continue;
      t.metrics = { ...t.metrics!, testAccuracy: 0.1 };
      data.epochs.set(t.id, [0.5, 0.6].map((v, i) => ({ epoch: i + 1, trainLoss: 1, valLoss: 1, valAccuracy: v, elapsedMs: 1, outputs: { phase: 'pretrain' } }))
        .concat([{ epoch: 3, trainLoss: 1, valLoss: 1, valAccuracy: 0.1, elapsedMs: 1, outputs: { phase: 'prune' } }]));
    }
    const r = reportDass([data]);
    assert.equal(r.verdict, 'inconclusive at this n');
    assert.match(r.body, /\| s = 0\.9 \| DASS cell \| 10\.00 ± 0\.00 \(n = 3\) \| 3\/3 \| 60\.00 ± 0\.00 \|/);
    assert.match(r.body, /no test \(every difference equal: zero variance\)/);
    assert.match(r.reasoning, /18 of 18 derived cells ended at chance/);
  });

  it('renders a section with the claim, the scale against the paper, and the verdict per study seed', () => {
    const p = resolveParams(dassReproduction, parseReproduceArgs(['dass', '--quick'], NAMES));
    const runs = [7, 8].map((seed) => ({ seed, data: [fakeStudy(3, () => 0.05)], report: reportDass([fakeStudy(3, () => 0.05)]) }));
    const text = renderReproduction(dassReproduction, p, runs, 'npm run reproduce -- dass --quick --seeds 2');
    assert.match(text, /^## DASS/);
    assert.match(text, /\*\*Claim\.\*\* At high sparsity/);
    assert.match(text, /Scale against the paper/);
    assert.match(text, new RegExp(`the derived networks are C = ${DASS_NETWORK.channels} because`));
    assert.doesNotMatch(text, /\$\{/, 'a template placeholder left unfilled in the section');
    assert.match(text, /\*\*Verdict \(study seed 7\): held\.\*\*/);
    assert.match(text, /\*\*Verdict \(study seed 8\): held\.\*\*/);
    assert.match(text, /\| s = 0\.9: DASS beats random \| held \| held \| yes \|/);
  });
});
