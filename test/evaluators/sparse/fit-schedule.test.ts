import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MIN_UPDATES, fitScheduleToRun, resolveSparsity } from '../../../evaluators/sparse/index.js';
import type { SparsitySpec } from '../../../search/index.js';

const spec = (extra: Partial<SparsitySpec> = {}): SparsitySpec => ({ level: 0.9, kind: 'unstructured', method: 'rigl', init: 'random', distribution: 'uniform', ...extra });

test('a short run gets about MIN_UPDATES topology updates and pruning steps when ΔT is unset', () => {
  const r = fitScheduleToRun(resolveSparsity(spec()), 64);
  // RigL updates while t < 0.75·64 = 48; GMP prunes on [0, 0.75·64].
  assert.equal(r.updateEvery, Math.floor(48 / MIN_UPDATES));
  assert.equal(r.gmpEvery, Math.floor(48 / MIN_UPDATES));
  assert.ok(48 / r.updateEvery >= MIN_UPDATES);
});

test('long runs keep the papers’ ΔT = 100, explicit values are never changed, and ΔT is at least 1', () => {
  assert.equal(fitScheduleToRun(resolveSparsity(spec()), 100_000).updateEvery, 100);
  assert.equal(fitScheduleToRun(resolveSparsity(spec({ updateEvery: 7, gmpEvery: 3 })), 64).updateEvery, 7);
  assert.equal(fitScheduleToRun(resolveSparsity(spec({ updateEvery: 7, gmpEvery: 3 })), 64).gmpEvery, 3);
  assert.equal(fitScheduleToRun(resolveSparsity(spec()), 5).updateEvery, 1);
});
