import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  alphaEntropy, createRng, DARTS_OPS, deriveGenotype, DEFAULT_DEFINITION, planNetwork, rankTrials, paretoFront, supernetEdges,
  type AlphaLogits, type Candidate, type CellsLayer, type JsonObject, type Trial,
} from '../../../search/index.js';
import { DartsSpace, MlpSpace } from '../../../spaces/index.js';
import { DassStrategy, parseDassOptions, randomGenotype, SUPERNET_ROLE } from '../../../strategies/index.js';
import { describeStrategy, fakeMetrics, TEST_DATASET } from '../../../testing.js';

// The suite's fake metrics carry no outputs, so each supernet trial ends its search (no
// derived DASS/DARTS cell); the random cells are still retrained: the runner contract holds.
describeStrategy('dass', () => new DassStrategy(), { space: new DartsSpace(), options: { sparsity: [0.9, 0.98], seeds: 2 }, trainingMethods: ['dass'], samplesInSpace: false });

const edges = supernetEdges(4).length;
const uniform = (v = 0): AlphaLogits => ({ normal: Array.from({ length: edges }, () => DARTS_OPS.map(() => v)), reduce: Array.from({ length: edges }, () => DARTS_OPS.map(() => v)) });
const op = (name: string) => DARTS_OPS.indexOf(name as never);

describe('deriveGenotype (the DARTS rule)', () => {
  it('never picks none, even where none has the largest weight', () => {
    const a = uniform();
    for (const row of [...a.normal, ...a.reduce]) row[op('none')] = 10;
    const g = deriveGenotype(a);
    assert.ok([...g.normal, ...g.reduce].every(([o]) => o !== 'none'));
  });

  it('keeps per node the two edges with the strongest non-none op, and that op', () => {
    const a = uniform();
    // Node 2 reads states 0..3: rows 5..8. Make states 1 and 3 the strongest, with sep5 and dil3.
    a.normal[6]![op('sep_conv_5x5')] = 3;
    a.normal[8]![op('dil_conv_3x3')] = 2;
    a.normal[5]![op('none')] = 50; // a strong none does not make an edge strong
    const g = deriveGenotype(a);
    assert.deepEqual(g.normal.slice(4, 6), [['sep_conv_5x5', 1], ['dil_conv_3x3', 3]]);
    assert.equal(g.normal.length, 8);
    assert.deepEqual(g.normal_concat, [2, 3, 4, 5]);
  });

  it('is deterministic: ties go to the lower state, then the earlier op', () => {
    const g = deriveGenotype(uniform());
    assert.deepEqual(g.normal.slice(0, 2), [['max_pool_3x3', 0], ['max_pool_3x3', 1]]);
    assert.deepEqual(g.normal.slice(6, 8), [['max_pool_3x3', 0], ['max_pool_3x3', 1]]);
    const rng = createRng(4);
    const a = { normal: uniform().normal.map((r) => r.map(() => rng.normal())), reduce: uniform().reduce.map((r) => r.map(() => rng.normal())) };
    assert.deepEqual(deriveGenotype(structuredClone(a)), deriveGenotype(a));
  });

  it('refuses α of the wrong shape, naming it', () => {
    const short = Array.from({ length: edges }, () => [1, 2]);
    assert.throws(() => deriveGenotype({ normal: short, reduce: short }), /alpha.normal\[0\] must be 8 finite numbers/);
    assert.throws(() => deriveGenotype({ normal: uniform().normal.slice(1), reduce: uniform().reduce }), /nodes·\(nodes\+3\)\/2 rows/);
  });

  it('α entropy is ln(ops) when uniform and near 0 when every edge has chosen', () => {
    assert.ok(Math.abs(alphaEntropy(uniform()).normal - Math.log(8)) < 1e-12);
    const a = uniform();
    for (const row of a.reduce) row[op('skip_connect')] = 40;
    assert.ok(alphaEntropy(a).reduce < 1e-12);
  });
});

/** A pretend evaluator: supernet trials report a genotype derived from a seeded α, others fake metrics. */
function outcome(c: Candidate, number: number): Trial {
  const metrics = fakeMetrics(c);
  if (c.attributes?.['role'] === SUPERNET_ROLE) {
    const rng = createRng(c.seed! + (c.training?.method?.options?.['prune'] ? 1 : 0));
    const alpha = { normal: uniform().normal.map((r) => r.map(() => rng.normal())), reduce: uniform().reduce.map((r) => r.map(() => rng.normal())) };
    metrics.outputs = { alpha: alpha as unknown as JsonObject, genotype: deriveGenotype(alpha) as unknown as JsonObject };
  }
  return { id: number + 1, studyId: 1, number, state: 'completed', sample: c.sample, architecture: c.architecture!, seed: c.seed!, group: c.group, label: c.label, attributes: c.attributes, metrics, startedAt: 0, finishedAt: 1 };
}

async function drive(s: DassStrategy, history: Trial[], options: JsonObject, limit = 100, seed = 3): Promise<Candidate[]> {
  if (history.length === 0) await s.init({ space: new DartsSpace(), seed, options, definition: { ...DEFAULT_DEFINITION, seed }, dataset: TEST_DATASET, trainingMethods: ['dass'] });
  const out: Candidate[] = [];
  for (let i = 0; i < limit; i++) {
    const c = await s.ask(history);
    if (!c) break;
    out.push(c);
    const t = outcome(c, history.length);
    history.push(t);
    await s.tell(t);
  }
  return out;
}

describe('the dass strategy', () => {
  const options = { sparsity: [0.9, 0.98], seeds: 2 };

  it('asks supernets by method name, then retrains their cells, DARTS-then-pruned and random cells, paired', async () => {
    const history: Trial[] = [];
    const cs = await drive(new DassStrategy(), history, options);
    const supernets = cs.filter((c) => c.attributes?.['role'] === SUPERNET_ROLE);
    const derived = cs.filter((c) => c.attributes?.['role'] === 'derived');
    // Per replicate: one dense DARTS search and one DASS search per level; three arms per level.
    assert.equal(supernets.length, 2 * (1 + 2));
    assert.equal(derived.length, 2 * 2 * 3);
    for (const c of supernets) {
      assert.equal(c.training?.method?.name, 'dass');
      const cells = c.architecture!.layers[0] as CellsLayer;
      assert.deepEqual(cells.supernet, { nodes: 4, ops: [...DARTS_OPS] });
      const dense = (c.attributes!['dass'] as JsonObject)['arm'] === 'darts';
      assert.equal(c.training!.method!.options!['prune'], !dense);
      assert.doesNotThrow(() => planNetwork(c.architecture!, [28, 28, 1], 10));
    }
    for (const c of derived) {
      const tag = c.attributes!['dass'] as JsonObject;
      assert.equal(c.training!.method!.options!['sparsity'], tag['sparsity']);
      assert.equal(c.training!.method!.options!['prune'], true);
      const cells = c.architecture!.layers[0] as CellsLayer;
      assert.ok(cells.genotype && !cells.supernet);
      if (tag['arm'] !== 'random') {
        const from = history[c.attributes!['derivedFrom'] as number]!;
        assert.deepEqual(cells.genotype, from.metrics!.outputs!['genotype'], 'the derived cell is the supernet trial\'s genotype');
        if (tag['arm'] === 'dass') assert.equal((from.attributes!['dass'] as JsonObject)['sparsity'], tag['sparsity']);
      }
      // The sample is the genotype as the darts space's dimensions.
      const dims = new Map(new DartsSpace().dimensions.map((d) => [d.name, d]));
      assert.equal(Object.keys(c.sample).length, 2 * 4 * 3);
      for (const [k, v] of Object.entries(c.sample)) {
        const d = dims.get(k);
        assert.ok(d?.kind === 'categorical' && d.choices.includes(v), `${k}=${String(v)} is a value of the darts space`);
      }
    }
    // Every arm of a replicate retrains with one seed.
    for (const r of [0, 1]) assert.equal(new Set(derived.filter((c) => c.attributes!['replicate'] === r).map((c) => c.seed)).size, 1);
    assert.notEqual(derived[0]!.seed, derived.at(-1)!.seed);
    // Supernets are shown but do not rank.
    const ranked = rankTrials(history, { metric: 'valAccuracy', direction: 'maximize' });
    assert.equal(ranked.length, derived.length);
    assert.ok(ranked.every((t) => t.attributes!['role'] === 'derived'));
    assert.ok(paretoFront(history).every((t) => t.attributes!['role'] === 'derived'));
  });

  it('a resumed study asks nothing twice and ends where an uninterrupted one does', async () => {
    const whole = await drive(new DassStrategy(), [], options);
    for (const cut of [1, 2, 5, 9]) {
      const history: Trial[] = [];
      const first = new DassStrategy();
      const head = await drive(first, history, options, cut);
      const second = new DassStrategy();
      await second.init({ space: new DartsSpace(), seed: 3, options, definition: { ...DEFAULT_DEFINITION, seed: 3 }, dataset: TEST_DATASET, trainingMethods: ['dass'] });
      second.restore(JSON.parse(JSON.stringify(first.snapshot())));
      const tail = await drive(second, history, options);
      const all = [...head, ...tail];
      assert.equal(JSON.stringify(all), JSON.stringify(whole));
      const keys = all.map((c) => JSON.stringify(c.attributes!['dass']));
      assert.equal(new Set(keys).size, keys.length, 'a job was asked twice');
    }
  });

  it('a failed supernet trial skips its derived cell and nothing else', async () => {
    const s = new DassStrategy();
    await s.init({ space: new DartsSpace(), seed: 1, options: { controls: ['random'] }, definition: DEFAULT_DEFINITION, dataset: TEST_DATASET, trainingMethods: ['dass'] });
    const first = (await s.ask([]))!;
    assert.equal(first.attributes!['role'], 'derived'); // the random cell needs no search
    const sup = (await s.ask([]))!;
    assert.equal(sup.attributes!['role'], SUPERNET_ROLE);
    await s.tell({ ...outcome(sup, 1), state: 'failed', metrics: undefined, error: 'boom' });
    assert.equal(await s.ask([]), undefined);
  });

  it('fails at init when the evaluator cannot train dass, and on bad options naming the key', async () => {
    await assert.rejects(async () => new DassStrategy().init({ space: new MlpSpace(), seed: 1, options: {}, definition: DEFAULT_DEFINITION, trainingMethods: ['wgsef'] }), /cannot train method "dass"/);
    assert.throws(() => parseDassOptions({ sparsity: 0.995 }), /strategy.options.sparsity must be a fraction of zero weights in \(0, 0.99\]/);
    assert.throws(() => parseDassOptions({ supernet: { cels: 3 } }), /unknown key strategy.options.supernet.cels/);
    assert.throws(() => parseDassOptions({ search: { pretrain: -1 } }), /search.pretrain must be an integer ≥ 0/);
    assert.throws(() => parseDassOptions({ controls: ['dense'] }), /controls must be a list of "darts", "random"/);
    assert.deepEqual(parseDassOptions({}).supernet, { channels: 8, cells: 3, nodes: 4, stemMultiplier: 3, ops: [...DARTS_OPS] });
    assert.deepEqual(parseDassOptions({ search: { pretrain: 2 } }).retrain, { pretrain: 2, prune: 1, finetune: 1 });
  });

  it('random genotypes never use none and read distinct inputs', () => {
    const g = randomGenotype(createRng(9), 4, DARTS_OPS);
    for (const type of ['normal', 'reduce'] as const) {
      for (let j = 0; j < 4; j++) {
        const [[a, x], [b, y]] = g[type].slice(2 * j, 2 * j + 2) as [[string, number], [string, number]];
        assert.ok(a !== 'none' && b !== 'none' && x < y && y < j + 2);
      }
    }
  });
});
