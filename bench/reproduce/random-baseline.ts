import type { JsonObject, Trial } from '../../search/index.js';
import { compare, describeDiff, describeT, epochsToThreshold, mean, meanStd, paired, sem, table } from './stats.js';
import type { Reproduction, ReproductionReport, StudyData } from './types.js';

const LEVELS = [0.5, 0.75, 0.9];
const THRESHOLD = 0.8;
const CANDIDATES = 5;
const SEEDS = 4;

/**
 * Farahani (2024): random search over node masks of an over-parameterised MLP. Searched masks
 * (best of N by a short-training proxy) should be neither more accurate nor faster to converge
 * than one random mask at the same node sparsity.
 */
export const randomBaselineReproduction: Reproduction = {
  name: 'random-baseline',
  title: 'Random Search baseline (Farahani 2024)',
  claim: 'Searched node masks (best of N random masks by a cheap proxy) are neither more accurate nor faster to converge than a single random mask at the same node sparsity.',
  protocol: [
    'Parent: MLP 784-256-256-10 (ReLU). Node sparsity 0.5, 0.75, 0.9 on both hidden layers (⌈(1 − s)·n⌉ units kept per layer; input and classifier never masked).',
    'Per level and replicate: N = 5 random masks scored by a proxy, the validation loss after 20 optimiser steps (batch 128; study `random-baseline`) or at initialisation (study `random-baseline-init`); the best trained fully ("searched"), one fresh random mask trained fully ("random"); the dense parent once per replicate.',
    'The searched mask, the random mask and the dense parent of a replicate share the trial seed (same initialisation stream and batch order): differences are paired.',
    `Accuracy is on the 10,000-image test split; "epochs to ${THRESHOLD}" is the first epoch whose validation accuracy reaches ${THRESHOLD}.`,
  ].join(' '),
  studies: [
    study('random-baseline', { proxy: 'trained', proxySteps: 20 }),
    // The other proxy of the protocol: validation loss at initialisation (0 steps). Same seeds, so
    // its dense parent and random masks repeat the first study's.
    study('random-baseline-init', { proxy: 'init' }),
  ],
  report: reportRandomBaseline,
};

function study(name: string, proxy: JsonObject) {
  return {
    name,
    definition: {
      seed: 2024,
      space: { name: 'mlp', options: {} },
      strategy: { name: 'random-baseline', options: {
        levels: LEVELS, candidates: CANDIDATES, seeds: SEEDS, ...proxy, threshold: THRESHOLD,
        base: { layers: 2, width_0: 256, width_1: 256, activation: 'relu' },
      } },
      dataset: { name: 'fashion-mnist', subset: 10000, validationFraction: 0.2 },
      training: { epochs: 6, batchSize: 128, optimizer: 'adam' as const, learningRate: 1e-3, lrSchedule: 'cosine' as const, evaluateTest: true },
      budget: { maxTrials: SEEDS * (1 + LEVELS.length * (CANDIDATES + 2)) },
    },
  };
}

const byReplicate = (ts: readonly Trial[], f: (t: Trial) => number) => new Map(ts.map((t) => [t.attributes!['replicate'] as number, f(t)]));

/** One table and verdict per study (one per proxy); the reproduction holds only if it holds for every proxy. */
export function reportRandomBaseline(data: StudyData[]): ReproductionReport {
  const parts = data.map((d) => ({ name: d.study.name, proxy: String(d.study.definition.strategy.options['proxy'] ?? 'trained'), ...reportStudy(d) }));
  const verdicts = new Set(parts.map((p) => p.verdict));
  const verdict = verdicts.size === 1 ? parts[0]!.verdict : verdicts.has('held') ? 'partly held' : verdicts.has('did not hold') ? 'did not hold' : 'inconclusive';
  return {
    body: parts.map((p) => `### Proxy: ${p.proxy} (study \`${p.name}\`)\n\n${p.body}\n\n${p.proxy} proxy: **${p.verdict}**. ${p.reasoning}`).join('\n\n'),
    verdict,
    reasoning: parts.map((p) => `${p.proxy} proxy: ${p.verdict}`).join('; ') + '.',
  };
}

function reportStudy({ trials, epochs }: StudyData): ReproductionReport {
  const done = trials.filter((t) => t.state === 'completed' && t.metrics);
  const role = (r: string, level?: number) => done.filter((t) => t.group === r && (level === undefined || t.attributes!['level'] === level));
  const acc = (t: Trial) => t.metrics!.testAccuracy ?? t.metrics!.valAccuracy;
  const ett = (t: Trial) => epochsToThreshold(epochs.get(t.id) ?? [], THRESHOLD);
  const etts = (ts: readonly Trial[]) => {
    const e = ts.map(ett), reached = e.filter(Number.isFinite);
    return reached.length === e.length ? meanStd(e, 1) : `${reached.length ? meanStd(reached, 1) : '—'} (${reached.length}/${e.length} reached)`;
  };
  const dense = role('dense');
  const rows: string[][] = [[
    'dense parent', '0', '0', `${meanStd(dense.map(acc), 2, 100)} (n = ${dense.length})`, etts(dense), '', '',
  ]];
  const verdicts: string[] = [];
  let anyAbove = false, anyFaster = false;
  const significant: number[] = [];
  for (const level of LEVELS) {
    const [searched, random, proxies] = [role('searched', level), role('random', level), role('proxy', level)];
    if (!searched.length && !random.length) continue;
    const dAcc = paired(byReplicate(searched, acc), byReplicate(random, acc));
    // Positive = searched reaches the threshold in fewer epochs; never reached counts as epochs + 1.
    const capped = (t: Trial) => Math.min(ett(t), (t.metrics!.epochs ?? 0) + 1);
    const dEpochs = paired(byReplicate(random, capped), byReplicate(searched, capped));
    const weight = (ts: Trial[]) => mean(ts.map((t) => t.metrics!.sparsity));
    const nodes = (ts: Trial[]) => mean(ts.map((t) => t.metrics!.extra?.['nodeSparsity'] ?? NaN));
    for (const [name, ts] of [['searched', searched], ['random', random]] as const) {
      rows.push([
        `${name} s=${level}`, nodes(ts).toFixed(3), weight(ts).toFixed(3), `${meanStd(ts.map(acc), 2, 100)} (n = ${ts.length})`, etts(ts),
        name === 'searched' ? describeDiff(dAcc) : '', name === 'searched' ? `${mean(dEpochs).toFixed(2)} ± ${sem(dEpochs).toFixed(2)} (mean ± SE, n = ${dEpochs.length})` : '',
      ]);
    }
    const c = compare(dAcc), ce = compare(dEpochs);
    anyAbove ||= c === 'above';
    anyFaster ||= ce === 'above';
    if (c === 'above' || ce === 'above') significant.push(level);
    verdicts.push(`s = ${level}: searched − random accuracy ${describeDiff(dAcc)}, ${describeT(dAcc)} → ${c === 'tie' ? 'no significant difference' : c === 'above' ? 'searched significantly better' : 'searched significantly worse'}; ` +
      `epochs saved by searching ${mean(dEpochs).toFixed(2)} → ${ce === 'tie' ? 'no significant difference' : ce === 'above' ? 'searched significantly faster' : 'searched significantly slower'} (${proxies.length} proxy trials).`);
  }
  const body = [
    table(['configuration', 'node sparsity', 'weight sparsity', 'test accuracy % (mean ± std)', `epochs to val acc ${THRESHOLD}`, 'searched − random (paired)', 'epochs saved by search (paired)'], rows),
    '',
    ...verdicts.map((v) => `- ${v}`),
  ].join('\n');
  const verdict = verdicts.length === 0 ? 'inconclusive' : anyAbove || anyFaster ? 'did not hold' : 'held';
  const reasoning = verdict === 'held'
    ? 'At every node sparsity the searched mask is neither significantly more accurate nor significantly faster to reach the threshold than the paired random mask (paired t-test, 5%, per level, uncorrected).'
    : verdict === 'did not hold'
      ? `At node sparsity ${significant.join(', ')} the searched mask is significantly better or faster than the paired random mask (paired t-test, 5%, per level, not corrected for the ${LEVELS.length} levels); ` +
        'the size of the effect is in the lines above, next to the gap to the dense parent.'
      : 'No completed searched/random pairs to compare.';
  return { body, verdict, reasoning };
}
