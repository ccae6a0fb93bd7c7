// Issue 12 (DASS, progress): the reports draw each supernet's derived cells and α over epochs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtmlReport, renderMarkdownReport, supernetViews, type ReportData } from '../../../cli/report/index.js';
import { cellGraph } from '../../../cli/report/svg/cell-graph.js';
import { cellText, DARTS_OPS, DARTS_V2, type AlphaLogits, type CellType, type Genotype } from '../../../search/index.js';
import { curve, fakeStudy } from '../fake-study.js';
import { dassStudy, driftingAlpha } from '../dass-study.js';
import { assertBalanced } from './html-structure.js';

function report(nodes = 3): { data: ReportData; genotype: Genotype } {
  const { study, trials, epochs, genotype } = dassStudy(nodes);
  return { data: { study, trials, epochs, generatedAt: 0 }, genotype };
}

function svg(html: string, id: string): string {
  const m = new RegExp(`<svg id="${id}"[\\s\\S]*?</svg>`).exec(html);
  assert.ok(m, `no <svg id="${id}">`);
  return m[0];
}

/** [from, to, op] of every drawn edge, and its label text. */
function drawnEdges(s: string): { from: number; to: number; op: string; label: string }[] {
  return [...s.matchAll(/<g class="cell-edge" data-from="(\d+)" data-to="(\d+)" data-op="([^"]+)">[\s\S]*?<text class="op"[^>]*>([^<]*)<\/text><\/g>/g)]
    .map((m) => ({ from: Number(m[1]), to: Number(m[2]), op: m[3]!, label: m[4]! }));
}

const expectedEdges = (g: Genotype, t: CellType) => g[t].map(([op, from], k) => ({ from, to: Math.floor(k / 2) + 2, op, label: op }));
const sortEdges = <T extends { from: number; to: number; op: string }>(e: T[]) => e.slice().sort((a, b) => a.to - b.to || a.from - b.from || a.op.localeCompare(b.op));

test('cell graph: every genotype edge with its op label, no none; nodes = intermediate nodes + 2 inputs + output; concat arrows', () => {
  const odd: Genotype = { normal: [['sep_conv_5x5', 1], ['max_pool_3x3', 0], ['dil_conv_3x3', 2], ['skip_connect', 2], ['avg_pool_3x3', 0], ['dil_conv_5x5', 3]], normal_concat: [0, 3, 4], reduce: DARTS_V2.reduce.slice(0, 6), reduce_concat: [2, 3, 4] };
  for (const g of [DARTS_V2, odd]) {
    for (const t of ['normal', 'reduce'] as const) {
      const s = cellGraph({ id: `g-${t}`, title: t, genotype: g, type: t });
      assertBalanced(s);
      const nodes = g[t].length / 2;
      assert.deepEqual(sortEdges(drawnEdges(s)), sortEdges(expectedEdges(g, t)));
      assert.doesNotMatch(s, />none</);
      assert.equal((s.match(/<g class="cell-node /g) ?? []).length, nodes + 3);
      assert.deepEqual([...s.matchAll(/<g class="cell-node intermediate" data-state="(\d+)"/g)].map((m) => Number(m[1])), Array.from({ length: nodes }, (_, i) => i + 2));
      assert.equal((s.match(/<g class="cell-node input"/g) ?? []).length, 2);
      assert.equal((s.match(/<g class="cell-node output"/g) ?? []).length, 1);
      assert.deepEqual([...s.matchAll(/<path class="cell-concat" data-from="(\d+)"/g)].map((m) => Number(m[1])), g[`${t}_concat`]);
      // Edges and arrows stay inside the drawing.
      const [w, h] = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(s)!.slice(1).map(Number) as [number, number];
      for (const m of s.matchAll(/ d="M([\d.-]+),([\d.-]+) Q([\d.-]+),([\d.-]+) ([\d.-]+),([\d.-]+)"/g)) {
        for (let i = 1; i <= 6; i += 2) assert.ok(Number(m[i]) >= 0 && Number(m[i]) <= w && Number(m[i + 1]) >= 0 && Number(m[i + 1]) <= h, m[0]);
      }
    }
  }
});

test('the HTML report of a DASS study draws each supernet\'s derived cells from its genotype', () => {
  for (const nodes of [2, 3, 4]) {
    const { data, genotype } = report(nodes);
    const html = renderHtmlReport(data);
    assertBalanced(html);
    assert.match(html, /<section id="dass">/);
    for (const t of ['normal', 'reduce'] as const) {
      const s = svg(html, `cell-6-${t}`);
      assert.deepEqual(sortEdges(drawnEdges(s)), sortEdges(expectedEdges(genotype, t)));
      assert.equal((s.match(/<g class="cell-node /g) ?? []).length, nodes + 3, `${nodes} nodes`);
      assert.doesNotMatch(s, /data-op="none"/);
    }
    assert.match(html, /retrained as trial 7 \(val_acc 0\.8300\)/);
    // Only supernet trials get cells drawn: the derived and the MLP trials do not.
    assert.deepEqual([...html.matchAll(/<svg id="cell-(\d+)-normal"/g)].map((m) => Number(m[1])), [6]);
  }
});

test('α over epochs: one series per op whose values are the stored α\'s mean softmax weight per epoch', () => {
  const { data } = report(3);
  const html = renderHtmlReport(data);
  const stored = data.epochs[6]!.map((e) => e.outputs!['alpha'] as unknown as AlphaLogits);
  for (const t of ['normal', 'reduce'] as const) {
    const s = svg(html, `chart-alpha-6-${t}`);
    const series = [...s.matchAll(/<g class="curve" data-trial="6" data-series="([^"]+)" data-values="([^"]*)">/g)];
    assert.deepEqual(series.map((m) => m[1]), [...DARTS_OPS]);
    series.forEach((m, o) => {
      const values = m[2]!.split(' ').map(Number);
      // Computed here from the stored logits, independently of the report's code.
      const expected = stored.map((a) => a[t].reduce((sum, row) => {
        const z = row.reduce((acc, v) => acc + Math.exp(v), 0);
        return sum + Math.exp(row[o]!) / z;
      }, 0) / a[t].length);
      assert.equal(values.length, expected.length);
      values.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-12, `${t} ${DARTS_OPS[o]} epoch ${i + 1}: ${v} vs ${expected[i]}`));
    });
    // The weights of an epoch sum to 1 over the ops.
    const sums = series[0]![2]!.split(' ').map((_, i) => series.reduce((acc, m) => acc + Number(m[2]!.split(' ')[i]), 0));
    for (const x of sums) assert.ok(Math.abs(x - 1) < 1e-9);
    // Every op is named in the legend (no "+N more").
    assert.doesNotMatch(s, /more<\/text>/);
    for (const op of DARTS_OPS) assert.match(s, new RegExp(`<text class="legend"[^>]*>${op}</text>`));
  }
});

test('a supernet whose α changed in shape (or is missing in an epoch) is drawn from the epochs that have it', () => {
  const { data } = report(3);
  data.epochs[6] = [...data.epochs[6]!.slice(0, 2), { ...data.epochs[6]![2]!, outputs: { phase: 'finetune' } }];
  const [view] = supernetViews(data);
  assert.deepEqual(view!.alpha.map((a) => a.epoch), [1, 2]);
  // The genotype comes from the run's final outputs.
  assert.deepEqual(view!.genotype, data.trials.find((t) => t.number === 6)!.metrics!.outputs!['genotype']);
  // α with the rows of another cell (2 nodes, not the architecture's 3) is not this supernet's: left out.
  data.epochs[6] = data.epochs[6]!.map((e, i) => (i === 0 ? { ...e, outputs: { ...e.outputs, alpha: driftingAlpha(2, 8, 1, 1) as never } } : e));
  assert.deepEqual(supernetViews(data)[0]!.alpha.map((a) => a.epoch), [2]);
});

test('the Markdown report lists each supernet\'s genotype as text', () => {
  const { data, genotype } = report(3);
  const md = renderMarkdownReport(data);
  assert.match(md, /^## Derived cells \(supernet trials\)$/m);
  const row = md.split('\n').find((l) => l.startsWith('| 6 |'))!;
  assert.ok(row, md);
  const unescape = (s: string) => s.replace(/\\(.)/g, '$1');
  assert.ok(unescape(row).includes(cellText(genotype, 'normal')) && unescape(row).includes(cellText(genotype, 'reduce')), row);
  assert.ok(md.includes(`- trial 6: \`${JSON.stringify(genotype)}\``));
});

test('a study without method outputs (or supernets) reports without the DASS sections', () => {
  const { study, trials } = fakeStudy();
  const epochs = Object.fromEntries(trials.map((t) => [t.number, curve(0.8, 3)]));
  const data: ReportData = { study, trials, epochs, generatedAt: 0 };
  const html = renderHtmlReport(data);
  assertBalanced(html);
  assert.doesNotMatch(html, /<section id="dass"|<svg id="(cell-|chart-alpha)|class="cell-edge"/);
  assert.doesNotMatch(renderMarkdownReport(data), /Derived cells/);
  // A supernet trial of an old run that stored no outputs is not drawn either.
  const { data: d } = report(3);
  const old: ReportData = { ...d, epochs: { ...d.epochs, 6: d.epochs[6]!.map(({ outputs: _o, ...e }) => e) }, trials: d.trials.map((t) => (t.number === 6 ? { ...t, metrics: { ...t.metrics!, outputs: undefined } } : t)) };
  assert.deepEqual(supernetViews(old), []);
  assert.doesNotMatch(renderHtmlReport(old), /id="dass"/);
});
