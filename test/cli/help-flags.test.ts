import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { main } from '../../cli/main.js';
import { captureIo } from './capture-io.js';

test('list --help prints the list help on stdout and exits 0; bare list still exits 2 (issue 17 #9)', async () => {
  const a = captureIo(tmpdir());
  assert.equal(await main(['list', '--help'], a.io), 0);
  assert.match(a.text().stdout, /sparsenas list strategies\|spaces/);
  const b = captureIo(tmpdir());
  assert.equal(await main(['list'], b.io), 2);
  assert.match(b.text().stderr, /sparsenas list/);
  assert.equal(b.text().stdout, '');
});

test('schema --help prints help, not the schema; schema alone prints valid JSON; an unknown argument is refused', async () => {
  const a = captureIo(tmpdir());
  assert.equal(await main(['schema', '--help'], a.io), 0);
  assert.match(a.text().stdout, /JSON Schema of search config files/);
  assert.throws(() => JSON.parse(a.text().stdout));
  const b = captureIo(tmpdir());
  assert.equal(await main(['schema'], b.io), 0);
  assert.equal(JSON.parse(b.text().stdout).type, 'object');
  const c = captureIo(tmpdir());
  assert.equal(await main(['schema', 'extra'], c.io), 2);
  assert.match(c.text().stderr, /unexpected argument "extra"/);
});
