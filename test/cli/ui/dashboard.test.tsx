import './interactive-terminal.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Subject } from 'rxjs';
import { render, cleanup } from 'ink-testing-library';
import { Dashboard, renderDashboard } from '../../../cli/ui/index.js';
import type { SearchEvent } from '../../../search/index.js';
import { fakeStudy } from '../fake-study.js';
import { epochsOf, searchStarted, trialFinished, trialStarted, wholeSearch } from '../scripted-events.js';

const { study, trials } = fakeStudy();
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises';

/** React schedules ink's re-render on setImmediate; queued after it, ours runs once the frame is written. */
const tick = async () => { await immediate(); await immediate(); await sleep(1); };
/** Wait until `ok()` holds (renders are asynchronous, and slow on a loaded machine); fail after `ms`. */
async function waitFor(ok: () => boolean, what: () => string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) assert.fail(`timed out waiting: ${what()}`);
    await sleep(10);
  }
}

function mount(props: { onStop?: () => void; throttleMs?: number; topN?: number } = {}) {
  const events = new Subject<SearchEvent>();
  const ui = render(<Dashboard events$={events} throttleMs={props.throttleMs ?? 0} tickMs={0} now={() => 1_000_000} exitOnFinish={false} {...props} />);
  const emit = async (...es: SearchEvent[]) => { for (const e of es) events.next(e); await tick(); };
  return { ...ui, events, emit, frame: () => ui.lastFrame() ?? '' };
}

afterEach(() => cleanup());

test('header names study, strategy, space, dataset, seed and the backend with its reason', async () => {
  const ui = mount();
  assert.match(ui.frame(), /waiting for the search to start/);
  await ui.emit(searchStarted(study));
  const f = ui.frame();
  assert.match(f, /study mnist-sparse/);
  assert.match(f, /strategy random · space mlp · dataset fashion-mnist 54000\/6000\/10000 28×28×1, 10 classes · seed 0/);
  assert.match(f, /backend wasm — tfjs-node is not installed/);
  assert.match(f, /trials ░+ 0\/6/);
});

test('a running trial shows its architecture, epoch progress and sparklines', async () => {
  const ui = mount();
  await ui.emit(searchStarted(study), trialStarted(trials[0]!), ...epochsOf(trials[0]!, 2));
  const f = ui.frame();
  assert.match(f, /▶ trial 0 {2}mlp 512-256 relu · 90% rigl/);
  assert.match(f, /epoch █+░+ 2\/3/);
  assert.match(f, /loss [▁-█]{2} 1\.0000 +val_acc [▁-█]{2} 0\.7290/);
  await ui.emit(...epochsOf(trials[0]!, 3).slice(2));
  assert.match(ui.frame(), /epoch █+ 3\/3/);
});

test('finished trials scroll above the live region; a failed trial shows its reason', async () => {
  const ui = mount();
  await ui.emit(searchStarted(study), trialStarted(trials[0]!), trialFinished(trials[0]!), trialStarted(trials[4]!), trialFinished(trials[4]!));
  const f = ui.frame();
  const done = f.indexOf('✔ trial 0 completed  val_acc 0.8100');
  const failed = f.indexOf('✖ trial 4 failed');
  const header = f.indexOf('sparsenas study');
  assert.ok(done >= 0 && failed > done && header > failed, f);
  assert.match(f.replace(/\n/g, ' '), /trial 4 failed .*— loss is not finite at epoch 2; lower the +learning rate/);
  assert.doesNotMatch(f, /▶ trial 0/);
});

test('the leaderboard is ordered best first and updates as trials finish', async () => {
  const ui = mount({ topN: 3 });
  const events = wholeSearch();
  await ui.emit(...events.slice(0, -1));
  const rows = ui.frame().split('\n').filter((l) => /^ {3}\d {4,}\d /.test(l));
  assert.deepEqual(rows.map((r) => r.trim().split(/\s+/).slice(0, 3)), [['1', '5', '0.8800'], ['2', '1', '0.8600'], ['3', '0', '0.8100']]);
  assert.match(ui.frame(), /best trial 5 valAccuracy 0\.8800/);
  await ui.emit(events[events.length - 1]!);
  assert.match(ui.frame(), /search finished \(max-trials\): 4 completed, 1 pruned, 1 failed · best trial 5 valAccuracy 0\.8800/);
});

test('? toggles the key help; q calls onStop once and shows the stop in progress', async () => {
  let stops = 0;
  const ui = mount({ onStop: () => { stops++; } });
  await ui.emit(searchStarted(study), trialStarted(trials[0]!));
  assert.doesNotMatch(ui.frame(), /show or hide this help/);
  ui.stdin.write('?');
  await tick();
  assert.match(ui.frame(), /q +stop gracefully/);
  ui.stdin.write('?');
  await tick();
  assert.doesNotMatch(ui.frame(), /show or hide this help/);
  ui.stdin.write('q');
  await tick();
  ui.stdin.write('q');
  await tick();
  assert.equal(stops, 1);
  assert.match(ui.frame(), /stopping: waiting for trial 0 to end/);
});

test('the first Ctrl+C stops gracefully like q, the second quits at once', async () => {
  let stops = 0;
  let quits = 0;
  const events = new Subject<SearchEvent>();
  const ui = render(<Dashboard events$={events} throttleMs={0} tickMs={0} exitOnFinish={false} onStop={() => { stops++; }} onForceQuit={() => { quits++; }} />);
  events.next(searchStarted(study));
  await tick();
  ui.stdin.write('\u0003');
  await tick();
  assert.deepEqual([stops, quits], [1, 0]);
  ui.stdin.write('\u0003');
  await tick();
  assert.deepEqual([stops, quits], [1, 1]);
});

test('a burst of events between two frames is drawn once (throttled re-renders)', async () => {
  const ui = mount({ throttleMs: 20 });
  await ui.emit(searchStarted(study));
  await sleep(40);
  await tick(); // under load the timer's render may still be queued
  const before = ui.frames.length;
  const burst = trials.flatMap((t) => [trialStarted(t), ...epochsOf(t, 3), trialFinished(t)]);
  for (const e of burst) ui.events.next(e); // synchronous: the throttle timer cannot fire in between
  await sleep(60);
  await tick();
  // one render for the batch (+1: <Static> commits its new items in a second pass)
  assert.ok(ui.frames.length - before <= 2, `${burst.length} events drew ${ui.frames.length - before} frames`);
  assert.match(ui.frame(), /✔ 4 ✂ 1 ✖ 1/);
});

test('user strings cannot inject terminal control sequences', async () => {
  const ui = mount();
  const evil = { ...study, name: 'x\u001b[2J\u001b]0;pwned\u0007y' };
  await ui.emit(searchStarted(evil), trialStarted(trials[4]!), trialFinished({ ...trials[4]!, error: 'bad\u001b[31m\nthing' }));
  const f = ui.frame();
  assert.ok(!f.includes('\u001b[2J') && !f.includes('\u001b]0;') && !f.includes('\u0007'), JSON.stringify(f));
  assert.match(f, /study x \[2J \]0;pwned y/);
});

/** A fake TTY pair like ink-testing-library's, with a settable width. */
function fakeTty(columns: number) {
  const stdout = Object.assign(new EventEmitter(), { columns, rows: 40, isTTY: true, output: '', write(s: string) { this.output += s; return true; } });
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true, data: null as string | null, setEncoding() {}, setRawMode() {}, resume() {}, pause() {}, ref() {}, unref() {},
    read() { const d = this.data; this.data = null; return d; },
  });
  return { stdout, stdin };
}

test('renderDashboard exits by itself when the search finishes', async () => {
  const { stdout, stdin } = fakeTty(120);
  const events = new Subject<SearchEvent>();
  const handle = renderDashboard(events, { stdout: stdout as never, stdin: stdin as never, throttleMs: 0, tickMs: 0 });
  for (const e of wholeSearch()) events.next(e); // published right after mounting: none may be lost
  await handle.waitUntilExit();
  assert.match(stdout.output, /search finished \(max-trials\)/);
  assert.match(stdout.output, /✔ trial 5 completed/);
});

test('with a long throttle, the stop and the end of the search still show at once, and the last frame is not lost', async () => {
  const { stdout, stdin } = fakeTty(120);
  const events = new Subject<SearchEvent>();
  let stops = 0;
  const handle = renderDashboard(events, { stdout: stdout as never, stdin: stdin as never, throttleMs: 60_000, tickMs: 0, onStop: () => { stops++; } });
  const all = wholeSearch();
  events.next(all[0]!);
  events.next(trialStarted(fakeStudy().trials[0]!));
  stdin.data = 'q';
  stdin.emit('readable');
  await waitFor(() => /stopping: waiting for trial 0 to end/.test(stdout.output), () => `no stop line in ${JSON.stringify(stdout.output.slice(-300))}`);
  assert.equal(stops, 1);
  for (const e of all.slice(1, -1)) events.next(e);
  events.complete(); // the stream ends without search.finished (e.g. the runner threw)
  await handle.waitUntilExit();
  assert.match(stdout.output, /✔ trial 5 completed/);
});

test('on resize the live region follows at once, then the screen is cleared and the history re-printed at the new width', async () => {
  const { stdout, stdin } = fakeTty(120);
  const events = new Subject<SearchEvent>();
  const handle = renderDashboard(events, { stdout: stdout as never, stdin: stdin as never, throttleMs: 0, tickMs: 0, exitOnFinish: false });
  for (const e of wholeSearch().slice(0, -1)) events.next(e);
  await tick();
  stdout.output = '';
  stdout.columns = 50;
  const resizedAt = Date.now();
  stdout.emit('resize');
  await tick();
  // The clear waits for the resize to settle (120 ms); only checkable when this tick was quick.
  if (Date.now() - resizedAt < 100) assert.ok(!stdout.output.includes('\u001b[2J'), 'no clear while the resize may still be going on');
  const CLEAR = '\u001b[2J\u001b[3J\u001b[H';
  // eslint-disable-next-line no-control-regex
  const afterClear = () => stdout.output.slice(Math.max(0, stdout.output.lastIndexOf(CLEAR))).replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
  await waitFor(() => stdout.output.includes(CLEAR) && afterClear().includes('rank') && afterClear().includes('✔ trial 5 completed'),
    () => `screen not cleared and redrawn: ${JSON.stringify(afterClear().slice(-300))}`);
  const visible = afterClear();
  const lines = visible.split('\n').filter(Boolean);
  assert.ok(lines.some((l) => l.includes('rank')), visible);
  for (const n of [0, 1, 2, 5]) assert.equal(visible.split(`✔ trial ${n} completed`).length, 2, `trial ${n} re-printed once`);
  for (const l of lines) assert.ok(l.length <= 50, `line wider than 50 columns: ${JSON.stringify(l)}`);
  handle.unmount();
});
