import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../../search/index.js';
import {
  countNonZeroGroups, envelopeMinusL2Penalty, envelopePenalty, groupLassoPenalty, LambdaSchedule, maskIndices,
  minimalStepForK, sortedAbsDescending, topKGroupMask, WgsefMethodError,
} from '../../../../evaluators/methods/wgsef/index.js';

test('minimalStepForK matches the closed forms (unit weights) and the count is ≤ k just above, > k just below', () => {
  const rng = createRng(41);
  for (let trial = 0; trial < 60; trial++) {
    const m = rng.int(3, 30);
    const norms = Float64Array.from({ length: m }, () => Math.abs(rng.normal()) + 1e-3);
    const k = rng.int(1, m - 1);
    const z = sortedAbsDescending(norms);
    const envelope = z[k]! / (z[k - 1]! - z[k]!);
    const expected: [typeof envelopePenalty, number][] = [
      [envelopePenalty, envelope],
      [groupLassoPenalty, z[k]!],
      [envelopeMinusL2Penalty, envelope / (1 + envelope)],
    ];
    for (const [penalty, closed] of expected) {
      const tau = minimalStepForK(norms, k, penalty);
      assert.ok(Math.abs(tau - closed) <= 1e-9 * closed, `${penalty.name}: ${tau} vs ${closed}`);
      assert.ok(countNonZeroGroups(penalty.scales(norms, k, tau * (1 + 1e-9), undefined)) <= k);
      assert.ok(countNonZeroGroups(penalty.scales(norms, k, tau * (1 - 1e-6), undefined)) > k);
    }
  }
  assert.equal(minimalStepForK([1, 0, 2], 2, envelopePenalty), 0);
  assert.equal(minimalStepForK([1, 1, 1], 2, envelopePenalty), Infinity, 'a tie at the k-th norm can never be broken');
  assert.equal(minimalStepForK([1, 1, 1], 2, envelopeMinusL2Penalty), Infinity);
});

test('with weights the bisection still finds the threshold of the survivor count', () => {
  const rng = createRng(42);
  for (let trial = 0; trial < 20; trial++) {
    const m = rng.int(3, 15);
    const norms = Float64Array.from({ length: m }, () => Math.abs(rng.normal()) + 1e-3);
    const weights = Array.from({ length: m }, () => 0.5 + rng.next());
    const k = rng.int(1, m - 1);
    for (const penalty of [envelopePenalty, groupLassoPenalty]) {
      const tau = minimalStepForK(norms, k, penalty, weights);
      assert.ok(countNonZeroGroups(penalty.scales(norms, k, tau * (1 + 1e-9), weights)) <= k);
      assert.ok(countNonZeroGroups(penalty.scales(norms, k, tau * (1 - 1e-6), weights)) > k);
    }
  }
});

test('the number of surviving groups never rises with τ (weighted envelope, fine grid)', () => {
  const rng = createRng(44);
  for (let trial = 0; trial < 40; trial++) {
    const m = rng.int(3, 15);
    const norms = Float64Array.from({ length: m }, () => Math.abs(rng.normal()) + 1e-3);
    const weights = Array.from({ length: m }, () => 0.5 + rng.next());
    const k = rng.int(1, m - 1);
    let prev = m;
    for (let tau = 0.01; tau < 1e3; tau *= 1.05) {
      const n = countNonZeroGroups(envelopePenalty.scales(norms, k, tau, weights));
      assert.ok(n <= prev, `τ=${tau}: ${n} > ${prev}`);
      prev = n;
    }
  }
});

test('LambdaSchedule raises λ geometrically while > k groups survive, caps it, and freezes once ≤ k', () => {
  const s = new LambdaSchedule({ initial: 0.1, growth: 2, max: 0.5 }, 3);
  assert.equal(s.lambda, 0.1);
  assert.equal(s.update(10), 0.2);
  assert.equal(s.update(8), 0.4);
  assert.equal(s.update(6), 0.5);
  assert.equal(s.reached, false);
  assert.equal(s.update(3), 0.5);
  assert.equal(s.reached, true);
  assert.equal(s.update(5), 0.5, 'frozen after reaching k');
  const t = new LambdaSchedule({ initial: 1, growth: 3, max: 100 }, 2);
  t.restore(s.snapshot());
  assert.deepEqual(t.snapshot(), { lambda: 0.5, reached: true });
  assert.throws(() => new LambdaSchedule({ initial: 1, growth: 1, max: 2 }, 1), /growth/);
  assert.throws(() => new LambdaSchedule({ initial: 1, growth: 2, max: 0.5 }, 1), /max/);
  assert.throws(() => new LambdaSchedule({ initial: 1, growth: 2, max: 2 }, 0), WgsefMethodError);
});

test('topKGroupMask keeps the k largest weighted norms, breaks ties by index, never keeps zero groups', () => {
  assert.deepEqual(maskIndices(topKGroupMask([0.1, 3, 2, 5, 0], 2)), [1, 3]);
  assert.deepEqual(maskIndices(topKGroupMask([1, 1, 1, 1], 2)), [0, 1]);
  assert.deepEqual(maskIndices(topKGroupMask([0, 0, 1], 2)), [2]);
  assert.deepEqual(maskIndices(topKGroupMask([1, 2, 3], 5)), [0, 1, 2]);
  assert.deepEqual(maskIndices(topKGroupMask([1, 2, 3], 1, [10, 1, 1])), [0]);
  const rng = createRng(43);
  for (let trial = 0; trial < 50; trial++) {
    const m = rng.int(1, 40);
    const norms = Float64Array.from({ length: m }, () => Math.abs(rng.normal()));
    const k = rng.int(1, m);
    const kept = maskIndices(topKGroupMask(norms, k));
    assert.equal(kept.length, k);
    const threshold = Math.min(...kept.map((j) => norms[j]!));
    for (let j = 0; j < m; j++) if (!kept.includes(j)) assert.ok(norms[j]! <= threshold);
  }
});
