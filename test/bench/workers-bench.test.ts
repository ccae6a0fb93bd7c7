import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { summarize, trialsPerHour } from '../../bench/workers.js';

describe('workers benchmark statistics', () => {
  it('trials/hour counts completed trials over the span from the first start to the last end', () => {
    const h = 3_600_000;
    assert.equal(trialsPerHour([
      { state: 'completed', startedAt: 0, finishedAt: h / 4 },
      { state: 'completed', startedAt: h / 4, finishedAt: h / 2 },
      { state: 'failed', startedAt: h / 2, finishedAt: h },
    ]), 4, 'a failed trial is not counted, but the time it took is not in the span after the last completed one');
    assert.ok(Number.isNaN(trialsPerHour([])));
    assert.ok(Number.isNaN(trialsPerHour([{ state: 'running', startedAt: 0 }])));
  });

  it('summarize prints mean ± std per layout, the paired ratio and which layout is faster', () => {
    const text = summarize({
      layouts: [{ workers: 1, threads: 2 }, { workers: 2, threads: 1 }],
      runs: [[299, 335, 263], [197, 237, 157]], ratios: [299 / 197, 335 / 237, 263 / 157], loadAverage: [3.1, 2.9, 2.5],
    });
    assert.match(text, /1 worker x 2 threads\s+299 ± 36 trials\/h {2}\(3 runs\)/);
    assert.match(text, /2 workers x 1 thread\s+197 ± 40 trials\/h/);
    assert.match(text, /ratio \(paired\)\s+1\.5\d ± 0\.\d\d {2}→ faster: 1 worker x 2 threads/);
    assert.match(text, /load average\s+3\.10 2\.90 2\.50/);
  });
});
