import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, intFlag, numberFlag } from '../../cli/args.js';

const opts = { trials: { type: 'string' as const }, seed: { type: 'string' as const, short: 's' }, lr: { type: 'string' as const } };

test('--trials -1 and --seed -5 reach the flag check and get a clear error, not parseArgs "Did you forget"', () => {
  const { values } = parseFlags('search', ['--trials', '-1', '-s', '-5', '--lr', '-.5'], opts);
  assert.equal(values['trials'], '-1');
  assert.equal(values['seed'], '-5');
  assert.equal(values['lr'], '-.5');
  assert.throws(() => intFlag('trials', values['trials'], 1), /--trials must be an integer >= 1, got "-1"/);
  assert.throws(() => intFlag('seed', values['seed']), /--seed must be an integer >= 0, got "-5"/);
  assert.throws(() => numberFlag('lr', values['lr']), /--lr must be a positive number/);
});

test('a dash value that is not a number is still a missing value; -- still ends the flags', () => {
  assert.throws(() => parseFlags('search', ['--trials', '--seed', '1'], opts), /search:/);
  const { positionals } = parseFlags('search', ['--', '--trials', '-1'], opts, 2);
  assert.deepEqual(positionals, ['--trials', '-1']);
});

test('integer flags accept plain decimal digits only', () => {
  assert.equal(intFlag('trials', '12', 1), 12);
  assert.equal(intFlag('seed', '0'), 0);
  for (const bad of ['0x10', ' 2', '2 ', '1e3', '', '2.0', '+3', '0b11', '99999999999999999999']) {
    assert.throws(() => intFlag('seed', bad), /--seed must be an integer >= 0/, JSON.stringify(bad));
  }
});

test('number flags reject hex, padding and empty strings', () => {
  assert.equal(numberFlag('lr', '0.01'), 0.01);
  assert.equal(numberFlag('lr', '1e-3'), 0.001);
  assert.equal(numberFlag('lr', '.5'), 0.5);
  for (const bad of ['0x10', ' 2', '', 'Infinity', '1,5']) assert.throws(() => numberFlag('lr', bad), /--lr must be a positive number/, JSON.stringify(bad));
});
