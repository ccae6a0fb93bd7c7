import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeArchitecture, describeTrialArchitecture, describeTrialOutcome, trialTag } from '../../../cli/format/index.js';
import { formatLeaderboard } from '../../../cli/leaderboard/format-leaderboard.js';
import { summariseGroups } from '../../../cli/report/group-summary.js';
import { sparseIftLabel } from '../../../strategies/sparse-ift/sparse-ift-strategy.js';
import type { Architecture } from '../../../search/index.js';
import { metrics, mlp, trial } from '../fake-study.js';

/** A random-baseline / WGSEF-derived network: global level 0, but node masks remove most units. */
function nodeMasked(): Architecture {
  const a = mlp([512, 256], 0, 'static');
  a.layers[0] = { ...a.layers[0]!, keepNodes: Array.from({ length: 100 }, (_, i) => i) } as never;
  return a;
}

test('a node-masked (WGSEF-derived, random-baseline) trial is never labelled dense; its measured sparsity is shown', () => {
  const t = trial(1, { architecture: nodeMasked(), metrics: metrics(0.8, 1000, { sparsity: 0.8612 }) });
  assert.equal(describeTrialArchitecture(t), 'mlp 100/512-256 relu · node mask 86.1%');
  assert.doesNotMatch(describeTrialOutcome(t), /· dense/);
  assert.doesNotMatch(formatLeaderboard([t], { maxWidth: 400 }), /· dense/);
  // Before training (the dashboard's running line): no measurement yet, still not "dense".
  assert.equal(describeArchitecture(nodeMasked()), 'mlp 100/512-256 relu · node mask');
  // Nothing masked, nothing measured: dense.
  assert.equal(describeTrialArchitecture(trial(2, { architecture: mlp([64], 0, 'static'), metrics: metrics(0.8, 1, { sparsity: 0 }) })), 'mlp 64 relu · dense');
});

test('target and measured sparsity: one label, both when they differ', () => {
  const t = trial(3, { architecture: mlp([512, 256], 0.56, 'rigl'), metrics: metrics(0.8, 1000, { sparsity: 0.54 }) });
  assert.equal(describeTrialArchitecture(t), 'mlp 512-256 relu · 56% rigl (54% measured)');
  assert.match(describeTrialOutcome(t), /sparsity 0\.54 .*56% rigl \(54% measured\)/);
  const same = trial(4, { architecture: mlp([512, 256], 0.9, 'rigl'), metrics: metrics(0.8, 1000, { sparsity: 0.9001 }) });
  assert.equal(describeTrialArchitecture(same), 'mlp 512-256 relu · 90% rigl');
  // Sparse-IFT: per-layer levels with a dense global spec are not dense either.
  const perLayer = mlp([512, 256], 0, 'rigl');
  perLayer.layers[1] = { ...perLayer.layers[1]!, sparsity: 0.5 } as never;
  assert.equal(describeTrialArchitecture({ architecture: perLayer, metrics: metrics(0.8, 1, { sparsity: 0.2 }) }), 'mlp 512-256 relu · rigl per-layer (20% measured)');
});

test('Sparse-IFT labels name the level the layers really get; group/label tags do not repeat the group', () => {
  assert.equal(sparseIftLabel('wide', 0.5, 0.297, 'rigl'), 'wide s=0.5→29.7% rigl');
  assert.equal(sparseIftLabel('parallel', 0.5, 0.5, 'static'), 'parallel s=0.5 static');
  const proxy = trial(5, { group: 'proxy', label: 'proxy s=0.5 #0' });
  assert.equal(trialTag(proxy), 'proxy s=0.5 #0');
  assert.equal(trialTag(trial(6, { group: 'k=4', label: 'derived' })), 'k=4/derived');
  const groups = summariseGroups([proxy, trial(7, { group: 'proxy', label: 'proxy s=0.5 #0', metrics: metrics(0.7, 1) })], { metric: 'valAccuracy', direction: 'maximize' });
  assert.deepEqual(groups.map((g) => g.group), ['proxy s=0.5 #0']);
});
