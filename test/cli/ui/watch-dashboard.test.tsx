import './interactive-terminal.js';
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { render, cleanup } from 'ink-testing-library';
import { setImmediate as immediate, setTimeout as sleep } from 'node:timers/promises';
import { Dashboard } from '../../../cli/ui/index.js';
import type { SearchEvent } from '../../../search/index.js';
import { fakeStudy } from '../fake-study.js';
import { searchStarted, trialStarted } from '../scripted-events.js';

const { study, trials } = fakeStudy();
const tick = async () => { await immediate(); await immediate(); await sleep(1); };
afterEach(() => cleanup());

test('watching, q quits watching and says the search goes on', async () => {
  let quits = 0;
  const events = new Subject<SearchEvent>();
  const ui = render(<Dashboard events$={events} throttleMs={0} tickMs={0} now={() => 1_000_000} exitOnFinish={false} watching onStop={() => { quits++; }} />);
  events.next(searchStarted(study));
  events.next(trialStarted(trials[0]!));
  await tick();
  assert.match(ui.lastFrame()!, /q quit · \? keys/);
  ui.stdin.write('?');
  await tick();
  assert.match(ui.lastFrame()!, /q +quit watching \(the search goes on/);
  assert.doesNotMatch(ui.lastFrame()!, /stop gracefully/);
  ui.stdin.write('q');
  await tick();
  assert.equal(quits, 1);
});
