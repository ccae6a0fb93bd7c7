import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeTrialOutcome } from '../../../cli/format/index.js';
import { fakeStudy } from '../fake-study.js';

test('a trial line shows its latency at batch 1 and 128, and marks a trial measured too slow as infeasible, not ranked', () => {
  const t = fakeStudy().trials.find((x) => x.state === 'completed')!;
  t.metrics = { ...t.metrics!, latencyMsB1: 0.24271, latencyMsB128: 26.66557 };
  assert.match(describeTrialOutcome(t), /  latency 0\.243 ms \(batch 1\) 26\.7 ms \(batch 128\)  /);
  assert.doesNotMatch(describeTrialOutcome(t), /infeasible/);
  t.metrics.infeasible = 'latencyMsB1 0.2427 > maxLatencyMs 0.2';
  assert.match(describeTrialOutcome(t), /\(infeasible: latencyMsB1 0\.2427 > maxLatencyMs 0\.2; not ranked\)/);
});
