import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reportWgsef, unpaired } from '../../bench/reproduce/index.js';

/** Deterministic pseudo-noise in ±0.002 (paired differences need variance to be tested). */
const noise = (i: number) => Math.sin(i * 12.9898 + 1) * 0.002;
import type { StudyData, WgsefModel } from '../../bench/reproduce/index.js';
import type { JsonObject, Metrics, Study, Trial } from '../../search/index.js';

const MODEL: WgsefModel = { key: 'mlp', ks: [2, 4, 6], penalties: ['envelope', 'group-lasso'], groups: 'neuron', space: { name: 'mlp', options: {} }, subset: 100, epochs: 1 };
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const N = 6;

let id = 0;
function trial(attributes: JsonObject, testAccuracy: number, params: number, outputs?: JsonObject): Trial {
  const metrics: Metrics = {
    valAccuracy: testAccuracy, valLoss: 0.5, trainLoss: 0.3, testAccuracy, params, nonZeros: params, sparsity: 0,
    denseFlops: 2 * params, sparseFlops: 2 * params, trainTimeMs: 1, epochs: 1, samplesPerSecond: 1, backend: 'fake', layers: [],
    ...(outputs ? { outputs } : {}),
  };
  return { id: ++id, studyId: 1, number: id, state: 'completed', sample: {}, architecture: null, seed: 100 + ((attributes['replicate'] as number) ?? 0), attributes, metrics, startedAt: 0, finishedAt: 1 };
}

/** A grouped + derived pair; `kept` survivors per layer, `alive` groups before the projection. */
function pair(k: number, penalty: string, r: number, acc: number, kept = k, alive = k): Trial[] {
  const tag = (phase: string) => ({ wgsef: { k, penalty, phase, seedIndex: r }, replicate: r });
  const outputs = {
    survivors: { dense_0: range(kept), dense_1: range(k) }, nonZeroGroups: { dense_0: alive, dense_1: alive },
    totalGroups: { dense_0: 8, dense_1: 8 }, reachedK: true, finalLambda: 10,
  };
  // The derived network depends only on k and the replicate: same accuracy for every penalty.
  return [trial(tag('grouped'), acc, 1000, outputs), trial(tag('derived'), 0.8 + 0.001 * r, 100 * k)];
}

function studies(grouped: Trial[], denseAcc = 0.85): StudyData[] {
  const study = (name: string) => ({ id: 1, name, definition: { strategy: { options: {} } } } as Study);
  const dense = range(N).map((r) => trial({ replicate: r }, denseAcc + noise(r + 50), 1000));
  return [{ study: study('wgsef-mlp'), trials: grouped, epochs: new Map() }, { study: study('wgsef-mlp-dense'), trials: dense, epochs: new Map() }];
}

const grid = (acc: (k: number, penalty: string, r: number) => number, kept?: (k: number, penalty: string, r: number) => number) =>
  MODEL.ks.flatMap((k) => MODEL.penalties.flatMap((p) => range(N).flatMap((r) => pair(k, p, r, acc(k, p, r), kept?.(k, p, r) ?? k, p === 'group-lasso' ? k - 1 : k))));

describe('wgsef reproduction table', () => {
  it('holds when every run keeps exactly k, WGSEF is near-dense at the middle k and beats group lasso at equal k', () => {
    const out = reportWgsef(studies(grid((k, p, r) => (p === 'envelope' ? 0.845 : 0.83) + noise(r * 7 + k + (p === 'envelope' ? 1 : 2)))), [MODEL], 0.02);
    assert.equal(out.verdict, 'held', out.body);
    assert.match(out.body, /all 36 grouped runs ended with exactly k/);
    assert.match(out.body, /\| R \(WGSEF\) \| 4 \| 6 \+ 6 \| 4 \/ 4 \(6\/6 exactly k\)/);
    assert.match(out.body, /R \(WGSEF\) 18\/18 \(≤ k in 18\/18\), group lasso 0\/18/, 'group lasso overshoots below k before the projection');
    assert.match(out.body, /R \(WGSEF\) \(family: its 3 \(model, k\) cells, Holm\): \*\*held\*\*; held in 3, did not hold in 0 of 3/);
    assert.match(out.body, /non-inferiority, one-sided paired t-test against −2 pp/);
    assert.match(out.body, /Derived networks: .*mlp k=2 R \(WGSEF\)/, 'identical derived networks are called out');
  });

  it('says plainly which runs missed k, and fails claims 2 and 3 on the numbers', () => {
    const out = reportWgsef(studies(grid((k, p, r) => (p === 'envelope' ? 0.7 : 0.75) + noise(r * 7 + k + (p === 'envelope' ? 1 : 2)), (k, p, r) => (k === 4 && p === 'envelope' && r === 1 ? 3 : k))), [MODEL], 0.02);
    assert.equal(out.verdict, 'did not hold', out.body);
    assert.match(out.body, /runs missed k: mlp k=4 R \(WGSEF\): 1 of 6 runs/);
    assert.match(out.body, /3–4 \/ 4 \(5\/6 exactly k\)/);
    assert.match(out.reasoning, /\(2\) near-dense accuracy at moderate k: did not hold/);
  });

  it('Welch difference: significant for a clear gap, a tie for overlapping noise', () => {
    assert.match(unpaired([0.9, 0.91, 0.9], [0.8, 0.81, 0.8]), /^\+10\.00 ± .* \(Welch SE, n = 3 vs 3; above\)$/);
    assert.match(unpaired([0.8, 0.9], [0.85, 0.84]), /; tie\)$/);
    assert.equal(unpaired([], [0.8]), 'no runs to compare');
  });
});
