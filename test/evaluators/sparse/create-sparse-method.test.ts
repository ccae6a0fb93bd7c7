import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { createRng, SparsenasError } from '../../../search/index.js';
import { createSparseMethod, DynamicMethod, GmpMethod, NmMethod, SparseContractError, SparsitySpecError, StaticMethod, resolveSparsity } from '../../../evaluators/sparse/index.js';
import { spec } from './sparse-fixtures.js';

function rejects(over: Parameters<typeof spec>[0], field: string, fix: RegExp): void {
  assert.throws(() => createSparseMethod(spec(over)), (err: unknown) => {
    assert.ok(err instanceof SparsitySpecError && err instanceof SparsenasError);
    assert.equal(err.code, 'SPARSITY_SPEC_INVALID');
    assert.equal(err.field, field);
    assert.match(err.message, fix);
    return true;
  });
}

test('factory picks the method by kind and method', () => {
  assert.ok(createSparseMethod(spec({ method: 'static' })) instanceof StaticMethod);
  assert.ok(createSparseMethod(spec({ method: 'gmp' })) instanceof GmpMethod);
  assert.ok(createSparseMethod(spec({ method: 'rigl' })) instanceof DynamicMethod);
  assert.ok(createSparseMethod(spec({ method: 'set' })) instanceof DynamicMethod);
  assert.ok(createSparseMethod(spec({ kind: 'n:m', method: 'srste', n: 2, m: 4 })) instanceof NmMethod);
  assert.ok(createSparseMethod(spec({ kind: 'group', method: 'gmp', group: 'filter' })) instanceof GmpMethod);
});

test('invalid combinations name the field and the fix', () => {
  rejects({ kind: 'n:m', method: 'srste', n: 4, m: 4 }, 'sparsity.n', /smaller than sparsity\.m/);
  rejects({ kind: 'n:m', method: 'srste', n: 5, m: 4 }, 'sparsity.n', /smaller/);
  rejects({ kind: 'n:m', method: 'srste', m: 4 }, 'sparsity.n', /needs both/);
  rejects({ kind: 'n:m', method: 'rigl', n: 2, m: 4 }, 'sparsity.method', /use one of srste, static/);
  rejects({ kind: 'unstructured', method: 'srste' }, 'sparsity.method', /srste needs kind "n:m"/);
  rejects({ kind: 'group', method: 'set' }, 'sparsity.method', /static, gmp/);
  rejects({ level: 0.99 }, 'sparsity.level', /\[0, 0\.98\]/);
  rejects({ method: 'gmp', gmpStart: 0.5, gmpEnd: 0.5 }, 'sparsity.gmpEnd', /after sparsity\.gmpStart/);
  rejects({ method: 'gmp', gmpInitial: 0.9, level: 0.8 }, 'sparsity.gmpInitial', /\[0, 0\.8\]/);
  rejects({ method: 'rigl', updateEvery: 0 }, 'sparsity.updateEvery', /integer ≥ 1/);
  rejects({ kind: 'n:m', method: 'srste', n: 2, m: 4, srsteLambda: -1 }, 'sparsity.srsteLambda', /≥ 0/);
});

test('defaults come from the papers and the n:m level follows the pattern', () => {
  const r = resolveSparsity(spec({ kind: 'n:m', method: 'srste', n: 1, m: 4, level: 0.3 }));
  assert.equal(r.level, 0.75);
  assert.equal(r.srsteLambda, 2e-4);
  const d = resolveSparsity(spec({ method: 'rigl' }));
  assert.deepEqual([d.updateEvery, d.dropFraction, d.updateEndFraction], [100, 0.3, 0.75]);
  assert.deepEqual([d.gmpStart, d.gmpEnd, d.gmpInitial, d.gmpEvery], [0, 0.75, 0, 100]);
  assert.equal(resolveSparsity(spec({ kind: 'group', group: 'channel' })).unit, 'input');
  assert.equal(resolveSparsity(spec({ kind: 'group' })).unit, 'output');
});

test('a method initialised with a spec of another kind refuses it', () => {
  const p = {
    name: 'd', layerType: 'dense' as const, role: 'hidden' as const, weight: tf.variable(tf.ones([4, 4])), mask: tf.variable(tf.ones([4, 4]), false),
    inputAxis: 0, outputAxis: 1, outputPositions: 1, targetSparsity: 0,
  };
  assert.throws(() => createSparseMethod(spec({ kind: 'n:m', method: 'srste', n: 2, m: 4 })).init([p], spec({}), createRng(1), 10), SparseContractError);
  assert.throws(() => createSparseMethod(spec({})).init([p], spec({ kind: 'n:m', method: 'static', n: 2, m: 4 }), createRng(1), 10), SparseContractError);
  tf.dispose([p.weight, p.mask]);
});
