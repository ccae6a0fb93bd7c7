import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compare, epochsToThreshold, mean, meanStd, paired, replaceSection, reportRandomBaseline, reportSparseIft, std } from '../../bench/reproduce/index.js';
import type { StudyData } from '../../bench/reproduce/index.js';
import type { EpochMetrics, JsonObject, Metrics, Study, Trial } from '../../search/index.js';

const metrics = (testAccuracy: number, extra: Partial<Metrics> = {}): Metrics => ({
  valAccuracy: testAccuracy, valLoss: 1 - testAccuracy, trainLoss: 0.3, testAccuracy, params: 100, nonZeros: 50, sparsity: 0.5,
  denseFlops: 1000, sparseFlops: 1000, trainTimeMs: 1, epochs: 3, samplesPerSecond: 1, backend: 'fake', layers: [], ...extra,
});
let id = 0;
const trial = (group: string, attributes: JsonObject, m: Metrics): Trial => ({
  id: ++id, studyId: 1, number: id, state: 'completed', sample: {}, architecture: null, seed: 1, group, attributes, metrics: m, startedAt: 0, finishedAt: 1,
});
const curve = (accs: number[]): EpochMetrics[] => accs.map((a, i) => ({ epoch: i + 1, trainLoss: 1, valLoss: 1, valAccuracy: a, elapsedMs: 1 }));
const data = (trials: Trial[], epochs = new Map<number, EpochMetrics[]>()): StudyData => ({ study: { id: 1, name: 's', definition: { strategy: { options: {} } } } as Study, trials, epochs });

describe('reproduction statistics', () => {
  it('mean, sample std, paired differences by replicate, epochs to threshold', () => {
    assert.equal(mean([1, 2, 3]), 2);
    assert.equal(std([1, 2, 3]), 1);
    assert.equal(meanStd([0.8, 0.9], 1, 100), '85.0 ± 7.1');
    assert.deepEqual(paired(new Map([[0, 3], [1, 5], [2, 1]]), new Map([[0, 1], [1, 1]])), [2, 4]);
    assert.equal(epochsToThreshold(curve([0.5, 0.79, 0.81, 0.9]), 0.8), 3);
    assert.equal(epochsToThreshold(curve([0.5, 0.6]), 0.8), Infinity);
  });

  it('a paired t-test at 5%: consistent small gains are significant, noisy ones are not', () => {
    assert.equal(compare([0.011, 0.01, 0.012]), 'above');
    assert.equal(compare([0.03, -0.02, 0.01]), 'tie');
    assert.equal(compare([-0.02, -0.021, -0.019, -0.02]), 'below');
    assert.equal(compare([0.05]), 'tie', 'one replicate decides nothing');
  });
});

describe('docs/results.md sections', () => {
  it('replaces only its own section and appends a missing one', () => {
    let text = '# R\n\n<!-- reproduce:a -->\nold a\n<!-- /reproduce:a -->\n\n<!-- reproduce:b -->\nb\n<!-- /reproduce:b -->\n';
    text = replaceSection(text, 'a', 'new a');
    assert.match(text, /<!-- reproduce:a -->\nnew a\n<!-- \/reproduce:a -->/);
    assert.match(text, /<!-- reproduce:b -->\nb\n/);
    assert.doesNotMatch(text, /old a/);
    text = replaceSection(text, 'c', 'c text');
    assert.ok(text.endsWith('<!-- reproduce:c -->\nc text\n<!-- /reproduce:c -->\n'));
  });
});

describe('random-baseline table', () => {
  const rows = (gap: number) => {
    const ts: Trial[] = [];
    const epochs = new Map<number, EpochMetrics[]>();
    for (let r = 0; r < 4; r++) {
      ts.push(trial('dense', { role: 'dense', level: 0, replicate: r }, metrics(0.88)));
      for (const level of [0.5, 0.75, 0.9]) {
        const s = trial('searched', { role: 'searched', level, replicate: r }, metrics(0.85 + gap + 0.001 * r, { extra: { nodeSparsity: level } }));
        const x = trial('random', { role: 'random', level, replicate: r }, metrics(0.85 + 0.002 * (r % 2), { extra: { nodeSparsity: level } }));
        epochs.set(s.id, curve([0.7, 0.82, 0.85]));
        epochs.set(x.id, curve([0.7, 0.81, 0.85]));
        ts.push(s, x);
      }
    }
    return reportRandomBaseline([data(ts, epochs)]);
  };

  it('holds when searched and random masks tie, fails when search wins consistently', () => {
    const tie = rows(0);
    assert.equal(tie.verdict, 'held');
    assert.match(tie.body, /\| searched s=0\.5 \| 0\.500 \| 0\.500 \|/);
    assert.match(tie.body, /\(n = 4\)/);
    assert.equal(rows(0.02).verdict, 'did not hold');
  });
});

describe('sparse-ift table', () => {
  it('reports the three claims separately and compares each member with the paired dense run', () => {
    const ts: Trial[] = [];
    for (let r = 0; r < 3; r++) {
      const jitter = 0.001 * r;
      ts.push(trial('dense', { family: 'dense', level: 0, method: 'static', replicate: r }, metrics(0.84 + jitter)));
      for (const [i, level] of [0.5, 0.75, 0.9].entries()) {
        for (const family of ['wide', 'parallel', 'factorized', 'doped']) {
          const gain = family === 'wide' ? 0.005 * (i + 1) : -0.004;
          ts.push(trial(family, { family, level, method: 'rigl', replicate: r }, metrics(0.84 + gain + jitter)));
        }
      }
    }
    const statics = [0, 1, 2].flatMap((r) => [0.5, 0.75, 0.9].map((level) => trial('wide', { family: 'wide', level, method: 'static', replicate: r }, metrics(0.83 + 0.001 * r))));
    const out = reportSparseIft([data(ts), data(statics)]);
    assert.equal(out.verdict, 'held', out.body);
    assert.match(out.body, /\| wide \| 0\.9 \| rigl \|.*\+1\.50 ± 0\.00 pp/);
    assert.match(out.body, /significantly above in 3, tied in 0, significantly below in 0 of 3/);
    const worse = reportSparseIft([data(ts.map((t) => (t.attributes!['family'] === 'wide' ? { ...t, metrics: metrics(0.8 + 0.001 * (t.attributes!['replicate'] as number)) } : t))), data(statics)]);
    assert.notEqual(worse.verdict, 'held');
    assert.match(worse.reasoning, /Sparse Wide at or above dense with growing gains: did not hold/);
  });
});
