import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { describeStrategy, driveStrategy } from '../../../testing.js';
import { RandomBaselineStrategy, keptNodeCount, randomNodeMask } from '../../../strategies/index.js';
import { CnnSpace, MlpSpace } from '../../../spaces/index.js';
import { DENSE_SPARSITY, createRng } from '../../../search/index.js';
import type { Architecture, Candidate, LayerSpec } from '../../../search/index.js';

const space = new MlpSpace({ widths: [10, 64, 100], maxLayers: 3 });
const base = { layers: 3, width_0: 100, width_1: 64, width_2: 10, activation: 'relu' };
const options = { levels: [0.5, 0.9], candidates: 3, seeds: 2, base };

describeStrategy('random-baseline', () => new RandomBaselineStrategy(), { space, options, tinyOptions: { levels: [0.5], candidates: 2, seeds: 1 }, trials: 30, samplesInSpace: false });

const keep = (l: LayerSpec) => ('keepNodes' in l ? l.keepNodes : undefined);
const plan = async (opts: object = options, seed = 1) => (await driveStrategy(new RandomBaselineStrategy(), space, 40, seed, opts as never)).filter((c): c is Candidate => c !== undefined);

describe('random-baseline strategy', () => {
  it('keeps ⌈(1 − s)·n⌉ distinct, sorted, in-range nodes on every hidden layer', async () => {
    for (const c of await plan()) {
      const s = c.attributes!['level'] as number;
      c.architecture!.layers.forEach((l, i) => {
        const n = [100, 64, 10][i]!;
        const k = keep(l);
        if (c.group === 'dense') return assert.equal(k, undefined);
        assert.ok(k, `${c.label}: layer ${i} has no mask`);
        assert.equal(k.length, Math.ceil((1 - s) * n - 1e-9), `${c.label} layer ${i}`);
        assert.equal(new Set(k).size, k.length);
        assert.deepEqual(k, [...k].sort((a, b) => a - b));
        assert.ok(k.every((x) => Number.isInteger(x) && x >= 0 && x < n));
      });
    }
  });

  it('per replicate: dense, then per level N proxies, searched, random — all on the replicate seed', async () => {
    const cs = await plan();
    assert.equal(cs.length, 2 * (1 + 2 * (3 + 2)));
    const roles = cs.slice(0, 11).map((c) => c.group);
    assert.deepEqual(roles, ['dense', 'proxy', 'proxy', 'proxy', 'searched', 'random', 'proxy', 'proxy', 'proxy', 'searched', 'random']);
    for (const c of cs) assert.equal(c.seed, cs[(c.attributes!['replicate'] as number) * 11]!.seed, c.label);
    assert.notEqual(cs[0]!.seed, cs[11]!.seed);
    for (const c of cs.filter((x) => x.group === 'proxy')) assert.deepEqual(c.training, { epochs: 1, evaluateTest: false });
    for (const c of cs.filter((x) => x.group !== 'proxy')) assert.equal(c.training, undefined);
  });

  it('the searched candidate is the proxy mask with the lowest validation loss, and the control is a fresh mask', async () => {
    const strategy = new RandomBaselineStrategy();
    const history: never[] = [];
    const losses = [0.9, 0.4, 0.7];
    const asked: Candidate[] = [];
    await strategy.init({ space, seed: 3, options, definition: {} as never, dataset: { shape: [28, 28, 1], classes: 10 } });
    for (let i = 0; i < 6; i++) {
      const c = (await strategy.ask(history))!;
      asked.push(c);
      const loss = c.group === 'proxy' ? losses[c.attributes!['candidate'] as number]! : 0.5;
      const trial = { id: i + 1, studyId: 1, number: i, state: 'completed', sample: {}, architecture: c.architecture, seed: c.seed, group: c.group, attributes: c.attributes,
        metrics: { valLoss: loss, valAccuracy: 0.5 }, startedAt: 0, finishedAt: 1 };
      (history as object[]).push(trial);
      await strategy.tell();
    }
    const searched = asked[4]!;
    assert.equal(searched.group, 'searched');
    assert.deepEqual(searched.architecture, asked[2]!.architecture);
    assert.equal(searched.attributes!['proxyScore'], 0.4);
    assert.equal(searched.attributes!['proxyTrial'], 2);
    assert.equal(asked[5]!.group, 'random');
    for (const p of asked.slice(1, 4)) assert.notDeepEqual(asked[5]!.architecture, p.architecture);
  });

  it('waits with the searched pick while a proxy of its level still runs on another worker', async () => {
    const strategy = new RandomBaselineStrategy();
    await strategy.init({ space, seed: 3, options, definition: {} as never, dataset: { shape: [28, 28, 1], classes: 10 } });
    const history: object[] = [];
    const losses = [0.9, 0.4, 0.7];
    const trialOf = (c: Candidate, state: string) => ({ id: history.length + 1, number: history.length, state, group: c.group, attributes: c.attributes, architecture: c.architecture,
      ...(state === 'completed' ? { metrics: { valLoss: c.group === 'proxy' ? losses[c.attributes!['candidate'] as number]! : 0.5, valAccuracy: 0.5 } } : {}) });
    for (let i = 0; i < 4; i++) {
      const c = (await strategy.ask(history as never))!;
      // The best proxy (#1, loss 0.4) is still training elsewhere.
      history.push(trialOf(c, c.attributes!['candidate'] === 1 ? 'running' : 'completed'));
    }
    assert.equal(await strategy.ask(history as never), undefined, 'nothing to propose while the proxy runs');
    assert.deepEqual(strategy.snapshot(), { next: 4 }, 'and the plan did not move on');
    Object.assign(history[2]!, { state: 'completed', metrics: { valLoss: 0.4, valAccuracy: 0.5 } });
    const searched = (await strategy.ask(history as never))!;
    assert.equal(searched.group, 'searched');
    assert.equal(searched.attributes!['proxyTrial'], 2);
  });

  it('skips the searched trial when every proxy of its level failed, and carries on', async () => {
    const strategy = new RandomBaselineStrategy();
    const history: object[] = [];
    await strategy.init({ space, seed: 3, options: { ...options, seeds: 1 }, definition: {} as never });
    const groups: string[] = [];
    for (;;) {
      const c = await strategy.ask(history as never);
      if (!c) break;
      groups.push(c.group!);
      history.push({ number: history.length, state: c.group === 'proxy' ? 'failed' : 'completed', group: c.group, attributes: c.attributes, architecture: c.architecture, metrics: { valLoss: 1 } });
    }
    assert.deepEqual(groups, ['dense', 'proxy', 'proxy', 'proxy', 'random', 'proxy', 'proxy', 'proxy', 'random']);
  });

  it('an init proxy evaluates at initialisation (0 steps); the threshold is stored on every trial', async () => {
    const cs = await plan({ ...options, proxy: 'init', threshold: 0.8 });
    assert.deepEqual(cs.find((c) => c.group === 'proxy')!.training, { epochs: 1, steps: 0, evaluateTest: false });
    assert.ok(cs.every((c) => c.attributes!['threshold'] === 0.8));
  });

  it('rejects bad options by name', async () => {
    await assert.rejects(plan({ levels: [1] }), /strategy\.options\.levels/);
    await assert.rejects(plan({ candidates: 0 }), /strategy\.options\.candidates/);
    await assert.rejects(plan({ proxy: 'zero-cost' }), /strategy\.options\.proxy/);
  });
});

describe('node masks', () => {
  it('kept counts never drift with floating point, and never drop a layer to zero nodes', () => {
    assert.equal(keptNodeCount(10, 0.7), 3);
    assert.equal(keptNodeCount(10, 0.9), 1);
    assert.equal(keptNodeCount(100, 0.75), 25);
    assert.equal(keptNodeCount(3, 0.9), 1);
    assert.equal(keptNodeCount(7, 0.5), 4);
  });

  it('masks conv output channels of a CNN parent, not pools or the head', () => {
    const cnn = new CnnSpace();
    const parent: Architecture = { family: 'cnn', input: 'image', sparsity: DENSE_SPARSITY, layers: [
      { type: 'conv2d', filters: 32, kernel: 3, activation: 'relu' }, { type: 'maxPool', size: 2 },
      { type: 'conv2d', filters: 64, kernel: 3, activation: 'relu' }, { type: 'globalAvgPool' }, { type: 'dense', units: 20, activation: 'relu' },
    ] };
    assert.ok(cnn);
    const masked = randomNodeMask(parent, 0.75, createRng(1));
    assert.deepEqual(masked.layers.map((l) => keep(l)?.length), [8, undefined, 16, undefined, 5]);
    assert.equal(masked.meta!['nodeSparsity'], 0.75);
  });

  it('is a pure function of the rng: same seed same mask, other seed other mask', () => {
    const parent = new MlpSpace().freeze({ ...base, layers: 2, width_0: 512, width_1: 512, sparsity: 0, sparsity_kind: 'unstructured', sparse_method: 'static', mask_init: 'magnitude', nm: '2:4' } as never);
    const a = randomNodeMask(parent, 0.5, createRng(4)), b = randomNodeMask(parent, 0.5, createRng(4)), c = randomNodeMask(parent, 0.5, createRng(5));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});
