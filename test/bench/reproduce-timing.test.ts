import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadLogPath, readLoadLog, startLoadLog, timingLine } from '../../bench/reproduce/index.js';
import type { StudyData } from '../../bench/reproduce/index.js';
import type { Study, Trial } from '../../search/index.js';

const T0 = Date.UTC(2026, 11, 2, 17, 0);
const trial = (id: number, start: number, end: number | undefined, state = 'completed', replicate = 0): Trial =>
  ({ id, number: id, state, attributes: { replicate }, startedAt: T0 + start * 60000, ...(end !== undefined ? { finishedAt: T0 + end * 60000 } : {}) }) as unknown as Trial;
const data = (trials: Trial[], replicates: number): StudyData => ({
  study: { id: 1, name: 's' } as Study, trials, epochs: new Map(),
  replicates: Array.from({ length: replicates }, (_, i) => ({ index: i, study: { id: i } as Study })),
});

describe('reproduction timing line', () => {
  it('wall time sums the replicate studies\' spans (gaps between invocations not counted); trial time sums trials; load only inside the spans', () => {
    // Study a: replicate 0 from 0 to 2 min, replicate 1 from 2 to 5; study b (replicate 0): 5 to 10, then a gap, replicate 1 from 40 to 41.
    const d = [data([trial(1, 0, 2), trial(2, 2, 5, 'completed', 1)], 2), data([trial(3, 5, 10), trial(4, 10, undefined, 'interrupted'), trial(5, 40, 41, 'completed', 1)], 2)];
    const samples = [
      { t: T0 - 10 * 60000, load1: 100 }, // before the spans: ignored
      { t: T0 + 1 * 60000, load1: 4 }, { t: T0 + 5 * 60000, load1: 8 }, { t: T0 + 9 * 60000, load1: 12 },
      { t: T0 + 25 * 60000, load1: 100 }, // in the gap: ignored
      { t: T0 + 40.5 * 60000, load1: 8 },
    ];
    const line = timingLine(d, samples, 7, 2);
    assert.match(line, /study seed 7/);
    assert.match(line, /wall 11\.0 min \(the 4 replicate studies' spans .*between 2026-12-02 17:00 and 2026-12-02 17:41 UTC/);
    assert.match(line, /4 completed, 1 interrupted trials in 4 studies, 11\.0 min of trial time/);
    assert.match(line, /mean 8\.0 \(min 4\.0, max 12\.0; 4 samples\) on 2 CPUs/);
    assert.match(timingLine(d, [], 7, 2), /load average not recorded/);
    assert.match(timingLine([data([], 1)], samples, 7, 2), /no finished trial/);
  });

  it('the load log is appended while running and read back in its own format', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'sparsenas-timing-')), 'x.db');
    writeFileSync(loadLogPath(db), '1796230600 17.95 15.03 9.55\ngarbage\n');
    const stop = startLoadLog(db);
    stop();
    const lines = readFileSync(loadLogPath(db), 'utf8').trim().split('\n');
    assert.equal(lines.length, 4, 'the existing sample, the garbage line, a sample at start and one at stop');
    const s = readLoadLog(db);
    assert.equal(s.length, 3);
    assert.deepEqual(s[0], { t: 1796230600 * 1000, load1: 17.95 });
    assert.ok(s.every((x) => Number.isFinite(x.load1) && x.load1 >= 0));
  });
});
