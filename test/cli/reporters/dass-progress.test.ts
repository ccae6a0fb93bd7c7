// Issue 12 (DASS, progress): plain lines, NDJSON and the dashboard show a supernet's phase, α
// entropy per cell type and current genotype each epoch. The events come from a real (tiny)
// supernet trial trained by the dass method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { JsonReporter, PlainReporter, plainLine } from '../../../cli/reporters/index.js';
import { dassDashboardLines, dassEpochView, genotypeText } from '../../../cli/format/index.js';
import { reduceSearchState, initialSearchState } from '../../../cli/ui/search-state.js';
import { cellText, DARTS_OP_TOKENS, DARTS_OPS, DEFAULT_DEFINITION, DENSE_SPARSITY, type Architecture, type CellsLayer, type EpochMetrics, type Genotype, type SearchEvent, type StudyDefinition } from '../../../search/index.js';
import { syntheticDataset } from '../../../evaluators/synthetic-dataset.js';
import { TfjsEvaluator } from '../../../evaluators/tfjs-evaluator.js';
import { dassMethodFactory } from '../../../evaluators/methods/index.js';
import { recorder, TRAINING } from '../../evaluators/helpers.js';
import { metrics as metricsFor, trial } from '../fake-study.js';
import { trialStarted } from '../scripted-events.js';

const shape = [8, 8, 1];
const definition: StudyDefinition = { ...DEFAULT_DEFINITION, backend: 'wasm', dataset: { name: 'synthetic', validationFraction: 0.3 } };
const supernet: Architecture = {
  family: 'darts', input: 'image', sparsity: { ...DENSE_SPARSITY }, meta: { supernet: true },
  layers: [{ type: 'cells', name: 'cells', channels: 2, cells: 3, stemMultiplier: 1, supernet: { nodes: 2, ops: [...DARTS_OPS] } } as CellsLayer, { type: 'globalAvgPool' }],
};

/** The epochs of one real supernet trial: pretrain, prune, finetune at 90% sparsity. */
let real: Promise<EpochMetrics[]> | undefined;
function realEpochs(): Promise<EpochMetrics[]> {
  real ??= (async () => {
    const data = syntheticDataset({ shape, classes: 3, train: 32, validation: 16, test: 8, separation: 6 }, 3);
    const ev = new TfjsEvaluator({ loader: async () => data, trainingMethods: [dassMethodFactory] });
    await ev.prepare(definition);
    const rec = recorder();
    try {
      await ev.evaluate({
        studyName: 's', trialNumber: 0, seed: 5, dataset: definition.dataset, architecture: supernet,
        training: { ...TRAINING, epochs: 3, batchSize: 16, method: { name: 'dass', options: { sparsity: 0.9, pretrainEpochs: 1, pruneEpochs: 1, finetuneEpochs: 1, alpha: { learningRate: 0.05 } } } },
      }, rec, new AbortController().signal);
    } finally {
      await ev.dispose();
    }
    return rec.epochs;
  })();
  return real;
}

const events = (epochs: EpochMetrics[]): SearchEvent[] => epochs.map((m) => ({ type: 'trial.epochEnded', at: m.elapsedMs, trialId: 9, trialNumber: 4, totalEpochs: 3, metrics: m }));

function buffer() {
  return { text: '', write(s: string) { this.text += s; } };
}

async function through(reporter: PlainReporter | JsonReporter, es: SearchEvent[], verbose = false): Promise<string[]> {
  const out = buffer();
  const bus = new Subject<SearchEvent>();
  const attached = reporter.attach(bus, { out, err: buffer(), verbose });
  for (const e of es) bus.next(e);
  bus.complete();
  await attached.done;
  return out.text.trimEnd().split('\n');
}

/** Every edge of a cell type as its `op@input` token, node by node. */
const tokens = (g: Genotype, t: 'normal' | 'reduce') => g[t].map(([op, from]) => `${DARTS_OP_TOKENS[op]}@${from}`);

test('plain lines (with and without --verbose) carry the phase, the α entropies and the genotype of each supernet epoch', async () => {
  const epochs = await realEpochs();
  assert.deepEqual(epochs.map((e) => e.outputs?.['phase']), ['pretrain', 'prune', 'finetune']);
  for (const verbose of [false, true]) {
    const lines = await through(new PlainReporter(), events(epochs), verbose);
    assert.equal(lines.length, 3, lines.join('\n'));
    lines.forEach((line, i) => {
      const o = epochs[i]!.outputs!;
      const h = o['alphaEntropy'] as { normal: number; reduce: number };
      const g = o['genotype'] as unknown as Genotype;
      assert.ok(line.startsWith(`trial 4 epoch ${i + 1}/3  `), line);
      assert.ok(line.includes(`phase ${o['phase']}`), line);
      assert.ok(line.includes(`α entropy normal ${h.normal.toFixed(4)} reduce ${h.reduce.toFixed(4)}`), line);
      assert.ok(line.includes(`genotype normal: ${cellText(g, 'normal')}; reduce: ${cellText(g, 'reduce')}`), line);
      for (const t of ['normal', 'reduce'] as const) for (const tok of tokens(g, t)) assert.ok(line.includes(tok), `${tok} in ${line}`);
      assert.equal(/val_acc \d/.test(line), verbose, line);
      assert.doesNotMatch(line, /none@/);
    });
  }
});

test('NDJSON: each epoch event carries phase, α entropy per cell type and the genotype as structured fields', async () => {
  const epochs = await realEpochs();
  const lines = await through(new JsonReporter(), events(epochs));
  assert.equal(lines.length, 3);
  lines.forEach((l, i) => {
    const e = JSON.parse(l) as Extract<SearchEvent, { type: 'trial.epochEnded' }>;
    const o = e.metrics.outputs!;
    assert.equal(e.type, 'trial.epochEnded');
    assert.equal(o['phase'], ['pretrain', 'prune', 'finetune'][i]);
    const h = o['alphaEntropy'] as { normal: number; reduce: number };
    assert.ok(h.normal > 0 && h.normal <= Math.log(8) + 1e-9 && h.reduce > 0 && h.reduce <= Math.log(8) + 1e-9);
    assert.deepEqual(o, JSON.parse(JSON.stringify(epochs[i]!.outputs)));
    const g = o['genotype'] as unknown as Genotype;
    assert.equal(g.normal.length, 4);
    assert.ok([...g.normal, ...g.reduce].every(([op]) => op !== 'none'));
  });
});

test('an epoch without DASS outputs prints as before: no line unless verbose, and no DASS fields', () => {
  const m: EpochMetrics = { epoch: 1, trainLoss: 1, valLoss: 1, valAccuracy: 0.5, elapsedMs: 1000, outputs: { lambda: 3, nonZeroGroups: { d: 4 }, projected: false } };
  const e: SearchEvent = { type: 'trial.epochEnded', at: 0, trialId: 1, trialNumber: 1, totalEpochs: 2, metrics: m };
  assert.equal(plainLine(e), undefined);
  assert.equal(plainLine(e, { verbose: true }), 'trial 1 epoch 1/2  loss 1.0000  val_loss 1.0000  val_acc 0.5000  1.0s');
  assert.equal(dassEpochView(m.outputs), undefined);
  // A derived network's epochs (phase, no α) show the phase when verbose only.
  const derived: SearchEvent = { ...e, metrics: { ...m, outputs: { phase: 'prune', maskedFraction: 0.9 } } };
  assert.equal(plainLine(derived), undefined);
  assert.match(plainLine(derived, { verbose: true })!, /  phase prune$/);
});

test('dashboard lines: phase, entropies and every edge of both cells, each within the width (70 columns and narrower)', async () => {
  const epochs = await realEpochs();
  const history = epochs.map((e) => dassEpochView(e.outputs));
  const last = epochs.at(-1)!.outputs!;
  const g = last['genotype'] as unknown as Genotype;
  const h = last['alphaEntropy'] as { normal: number; reduce: number };
  // A wide genotype (4 nodes, long ops) must wrap at node boundaries, not lose edges.
  const wide: Genotype = { normal: Array.from({ length: 8 }, (_, k) => ['dil_conv_5x5', k % 2] as [typeof DARTS_OPS[number], number]), normal_concat: [2, 3, 4, 5], reduce: Array.from({ length: 8 }, (_, k) => ['sep_conv_5x5', k % 2] as [typeof DARTS_OPS[number], number]), reduce_concat: [2, 3, 4, 5] };
  for (const [views, genotype] of [[history, g], [[...history.slice(0, -1), { ...history.at(-1)!, genotype: wide }], wide]] as const) {
    for (const width of [70, 50, 40]) {
      const lines = dassDashboardLines(views, width);
      assert.ok(lines.every((l) => [...l].length <= width), `${width}: ${lines.join('\n')}`);
      assert.match(lines[0]!, /^ {2}finetune\b/);
      const head = lines.filter((l) => !/^ {2}(normal|reduce) | {8}/.test(l));
      assert.ok(head.length <= 2 && head.join(' ').includes(`α entropy normal ${h.normal.toFixed(3)}`) && head.join(' ').includes(`reduce ${h.reduce.toFixed(3)}`), `${width}: ${head.join('\n')}`);
      const text = lines.slice(head.length).join('\n');
      for (const t of ['normal', 'reduce'] as const) for (const tok of tokens(genotype, t)) assert.ok(text.includes(tok), `${width}: ${tok} in\n${text}`);
      assert.ok(lines.some((l) => l.startsWith('  normal ')) && lines.some((l) => l.startsWith('  reduce ')));
    }
  }
  // No DASS outputs: no lines.
  assert.deepEqual(dassDashboardLines([undefined], 70), []);
});

test('the dashboard state keeps each epoch\'s outputs, so the running view shows the latest genotype', async () => {
  const epochs = await realEpochs();
  const t = trial(4, { id: 9, architecture: supernet });
  let s = reduceSearchState(initialSearchState(), trialStarted(t));
  for (const e of events(epochs)) s = reduceSearchState(s, e);
  const run = s.running.find((r) => r.trial.id === 9)!;
  const lines = dassDashboardLines(run.epochs.map((e) => dassEpochView(e.outputs)), 70);
  assert.ok(lines.join('\n').includes(cellText(epochs.at(-1)!.outputs!['genotype'] as unknown as Genotype, 'normal')));
  assert.equal(genotypeText(epochs[0]!.outputs!['genotype'] as unknown as Genotype).split('; ').length, 2);
});

test('a finished supernet trial\'s line says it does not rank and names the genotype it derived', async () => {
  const epochs = await realEpochs();
  const final = epochs.at(-1)!.outputs!;
  const g = final['genotype'] as unknown as Genotype;
  const t = trial(4, { architecture: supernet, attributes: { role: 'supernet' }, metrics: { ...metricsFor(0.3, 50_000), outputs: final } });
  const line = plainLine({ type: 'trial.finished', at: 0, trial: t })!;
  assert.ok(line.includes(`(supernet: not ranked) derived genotype ${genotypeText(g)}`), line);
  // The same trial without the role (or another trial) gets no such note.
  assert.doesNotMatch(plainLine({ type: 'trial.finished', at: 0, trial: { ...t, attributes: {} } })!, /supernet: not ranked|derived genotype/);
});
