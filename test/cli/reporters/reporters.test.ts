import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { DashboardReporter, JsonReporter, PlainReporter, plainLine, selectReporter } from '../../../cli/reporters/index.js';
import type { SearchEvent } from '../../../search/index.js';
import { fakeStudy } from '../fake-study.js';
import { epochsOf, trialStarted, wholeSearch } from '../scripted-events.js';

function buffer() {
  return { text: '', write(s: string) { this.text += s; } };
}

async function run(reporter: PlainReporter | JsonReporter, events: SearchEvent[], opts: { verbose?: boolean } = {}) {
  const out = buffer();
  const err = buffer();
  const bus = new Subject<SearchEvent>();
  const attached = reporter.attach(bus, { out, err, ...opts });
  for (const e of events) bus.next(e);
  await attached.done;
  return { out: out.text, err: err.text };
}

test('plain: one line per search and trial start/finish, no ANSI codes', async () => {
  const { out } = await run(new PlainReporter(), wholeSearch());
  const lines = out.trimEnd().split('\n');
  assert.equal(lines.length, 1 + 6 * 2 + 1);
  assert.match(lines[0]!, /^search started {2}study mnist-sparse {2}strategy random {2}space mlp {2}dataset fashion-mnist \(54000\/6000\/10000\) {2}backend wasm \(tfjs-node is not installed; .*\) {2}seed 0 {2}budget 6 trials$/);
  assert.equal(lines[1], 'trial 0 started  mlp 512-256 relu · 90% rigl');
  assert.equal(lines[2], 'trial 0 completed  val_acc 0.8100  sparsity 0.90  sparse_flops 120k  12.3s  mlp 512-256 relu · 90% rigl');
  assert.match(lines[10]!, /^trial 4 failed .* — loss is not finite at epoch 2; lower the learning rate$/);
  assert.match(lines[13]!, /^search finished \(max-trials\) {2}6 trials: 4 completed, 1 pruned, 1 failed {2}best trial 5 valAccuracy 0\.8800 {2}mlp 2048 relu · 50% static$/);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(out, /\u001b/);
});

test('plain: epoch lines only when verbose; colour only when asked; warnings go to stderr', async () => {
  const { trials } = fakeStudy();
  const epochs = epochsOf(trials[0]!, 2);
  assert.equal(plainLine(epochs[0]!), undefined);
  assert.equal(plainLine(epochs[1]!, { verbose: true }), 'trial 0 epoch 2/3  loss 1.0000  val_loss 1.0667  val_acc 0.7290  8.0s');
  const finished: SearchEvent = { type: 'trial.finished', at: 0, trial: trials[4]! };
  assert.match(plainLine(finished, { color: true })!, /^\u001b\[31mtrial 4 failed\u001b\[0m {2}/);
  const { out, err } = await run(new PlainReporter(), [trialStarted(trials[0]!), { type: 'search.log', at: 0, level: 'warn', message: 'slow\nbackend' }, wholeSearch().at(-1)!]);
  assert.equal(err, 'warn: slow backend\n');
  assert.doesNotMatch(out, /slow/);
});

test('json: every event is one parseable line, in order', async () => {
  const events = wholeSearch();
  const withNewline: SearchEvent = { type: 'search.log', at: 1, level: 'error', message: 'a\nb' };
  const { out } = await run(new JsonReporter(), [withNewline, ...events]);
  const lines = out.trimEnd().split('\n');
  assert.equal(lines.length, events.length + 1);
  const parsed = lines.map((l) => JSON.parse(l) as SearchEvent);
  assert.deepEqual(parsed.map((e) => e.type), [withNewline, ...events].map((e) => e.type));
  assert.equal((parsed[0] as { message: string }).message, 'a\nb');
});

test('a reporter that throws on one event does not stop the others', async () => {
  const err = buffer();
  const out = { n: 0, write(s: string) { if (this.n++ === 0) throw new Error('disk full'); return s; } };
  const bus = new Subject<SearchEvent>();
  const attached = new JsonReporter().attach(bus, { out, err });
  for (const e of wholeSearch()) bus.next(e);
  await attached.done;
  assert.match(err.text, /reporter failed on search.started: disk full/);
  assert.equal(out.n, wholeSearch().length);
});

test('selectReporter: NDJSON with --json, dashboard on a TTY, plain otherwise', () => {
  assert.ok(selectReporter({ tty: true, json: true }) instanceof JsonReporter);
  assert.ok(selectReporter({ tty: false, json: true }) instanceof JsonReporter);
  assert.ok(selectReporter({ tty: true }) instanceof DashboardReporter);
  assert.ok(selectReporter({ tty: false }) instanceof PlainReporter);
  assert.ok(selectReporter({ tty: true, plain: true }) instanceof PlainReporter);
});
