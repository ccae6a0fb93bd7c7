import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('with SPARSENAS_NATIVE=0 the native backend fix says to unset the variable (issue 17, defect 9)', () => {
  const url = new URL('../../evaluators/backend.js', import.meta.url).href;
  const code = `const m = await import(${JSON.stringify(url)}); const p = (await m.probeBackends()).find((b) => b.backend === 'native'); console.log(JSON.stringify(p));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, SPARSENAS_NATIVE: '0' }, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const probe = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.equal(probe.available, false);
  assert.match(probe.fix, /unset SPARSENAS_NATIVE/);
  assert.doesNotMatch(probe.fix, /build-native/);
});
