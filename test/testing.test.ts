import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const url = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);

/**
 * The conformance suite must be able to fail: each broken strategy below breaks one rule,
 * and is run through `describeStrategy` in a child `node --test`, whose report is read here.
 */
const SUITE = `
import { describeStrategy } from ${url('../testing.js')};
import { createRng, sampleSpace } from ${url('../index.js')};

class Good {
  init(ctx) { this.space = ctx.space; this.rng = createRng(ctx.seed); }
  ask() { return { sample: sampleSpace(this.space, this.rng) }; }
  tell() {}
  snapshot() { return { rng: this.rng.state() }; }
  restore(s) { this.rng = createRng(0, s.rng); }
}
class IgnoresSeed extends Good { init(ctx) { super.init(ctx); this.rng = createRng(Math.floor(Math.random() * 1e9)); } }
class ForgetsState extends Good { restore() {} }
class MapSnapshot extends Good { snapshot() { return { rng: this.rng.state(), seen: new Map() }; } }
class OutsideSpace extends Good { ask() { return { sample: { ...sampleSpace(this.space, this.rng), layers: 99 } }; } }
class OnlySuccess extends Good { tell(t) { this.last = t.metrics.valAccuracy; } }
class Resurrects extends Good { ask() { this.n = (this.n ?? 0) + 1; return this.n === 3 ? undefined : super.ask(); } }
class RestoresOnce extends Good { restore(s) { if (!this.restored) super.restore(s); this.restored = true; } }
class BreedsFromRunning extends Good {
  ask(history) { const last = history.at(-1); const c = super.ask(); return last ? { ...c, attributes: { parent: last.number } } : c; }
}

for (const [name, S] of Object.entries({ Good, IgnoresSeed, ForgetsState, MapSnapshot, OutsideSpace, OnlySuccess, Resurrects, RestoresOnce, BreedsFromRunning })) {
  describeStrategy(name, () => new S(), { trials: 6 });
}
// Random draws repeat across two instances restored from one snapshot: it cannot promise this.
describeStrategy('ClaimsEachOnce', () => new Good(), { trials: 6, proposesEachOnce: true });
`;

describe('describeStrategy (sparsenas/testing)', () => {
  let report = '';
  before(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sparsenas-conformance-')), 'suite.test.mjs');
    writeFileSync(file, SUITE);
    // The child exits 1 because the broken strategies fail; the report is what matters.
    // Without NODE_TEST_CONTEXT the child reports as a top-level run, not to this runner.
    const env = { ...process.env };
    delete env['NODE_TEST_CONTEXT'];
    report = await new Promise((resolve) => execFile(process.execPath, ['--test', '--test-reporter=tap', file], { env }, (_err, stdout, stderr) => resolve(stdout + stderr)));
  });

  /** Names of the failed checks of one strategy's suite. */
  const failures = (name: string): string[] => {
    const start = report.indexOf(`# Subtest: strategy conformance: ${name}\n`);
    const end = report.indexOf(`- strategy conformance: ${name}\n`, start);
    assert.ok(start >= 0 && end > start, `no report for ${name}:\n${report.slice(0, 2000)}`);
    return [...report.slice(start, end).matchAll(/^\s*not ok \d+ - (.+)$/gm)].map((m) => m[1]!);
  };

  it('passes a correct strategy', () => assert.deepEqual(failures('Good'), []));
  it('catches a strategy that ignores the seed', () => assert.ok(failures('IgnoresSeed').includes('is reproducible for a seed and differs across seeds')));
  it('catches a restore that forgets the state', () => assert.deepEqual(failures('ForgetsState'), ['restoring twice, or over an instance that moved on, equals restoring once', 'snapshot/restore continues exactly where it left off']));
  it('catches a restore that does not replace the whole state', () => assert.deepEqual(failures('RestoresOnce'), ['restoring twice, or over an instance that moved on, equals restoring once']));
  it("catches a strategy that breeds from another worker's running trial", () => assert.deepEqual(failures('BreedsFromRunning'), ["copes with other workers' running trials in the history and never breeds from them"]));
  it('catches two restored instances proposing one architecture twice', () => assert.deepEqual(failures('ClaimsEachOnce'), ['two instances restored from one snapshot, asked in turn, never propose one architecture twice']));
  it('catches a snapshot that is not plain JSON', () => assert.deepEqual(failures('MapSnapshot'), ['snapshot/restore continues exactly where it left off']));
  it('catches candidates outside the space', () => assert.ok(failures('OutsideSpace').includes('returns candidates inside the space')));
  it('catches a strategy that breaks on failed trials', () => assert.deepEqual(failures('OnlySuccess'), ['copes with failed, pruned and interrupted trials (and with nothing but failures)']));
  it('catches a strategy that proposes again after exhausting', () => assert.ok(failures('Resurrects').some((f) => f.startsWith('handles a tiny space'))));
});
