import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../cli/main.js';
import { search } from '../../../cli/api.js';
import { createContainer } from '../../../cli/container.js';
import { EvaluatorFactory } from '../../../search/index.js';
import { fakeEvaluatorFactory } from '../fake-evaluator.js';
import { captureIo } from '../capture-io.js';

test('report --out into missing folders creates them; an unwritable path is a clear error, not a stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sparsenas-report-out-'));
  const container = await createContainer();
  container.bind(EvaluatorFactory).toConstantValue(fakeEvaluatorFactory);
  await search({ evaluator: { name: 'fake' }, budget: { maxTrials: 2 }, seed: 1 }, { db: join(dir, 'sparsenas.db'), study: 's', container });

  const ok = captureIo(dir);
  assert.equal(await main(['report', '--out', 'dir/missing/x.html'], ok.io), 0, ok.text().stderr);
  assert.match(readFileSync(join(dir, 'dir/missing/x.html'), 'utf8'), /<html/i);
  assert.match(ok.text().stdout, /written to .*dir\/missing\/x\.html/);

  writeFileSync(join(dir, 'afile'), 'x');
  const bad = captureIo(dir);
  assert.equal(await main(['report', '--out', 'afile/x.html'], bad.io), 1);
  const err = bad.text().stderr;
  assert.match(err, /^sparsenas: cannot write the report to .*afile\/x\.html: a part of the path is a file, not a folder; choose another --out\n$/);
  assert.doesNotMatch(err, /unexpected error|\n\s+at /);
  assert.ok(!existsSync(join(dir, 'afile/x.html.tmp')));
});
