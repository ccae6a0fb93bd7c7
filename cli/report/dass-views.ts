import {
  cellText, layerDescriptor, softmax, supernetEdges, supernetOps, type AlphaLogits, type CellsLayer, type CellType, type DartsOp, type Genotype,
  type JsonObject, type LayerSpec, type Trial,
} from '../../search/index.js';
import { dassEpochView, formatFixed, genotypeText, oneLine, type DassEpochView } from '../format/index.js';
import { escapeHtml } from './escape-html.js';
import type { ReportData } from './report-data.js';
import { cellGraph } from './svg/cell-graph.js';
import { lineChart, type LineSeries } from './svg/line-chart.js';

const CELL_TYPES: readonly CellType[] = ['normal', 'reduce'];

/** One supernet trial of a DASS (or DARTS) search as the reports show it. */
export interface SupernetView {
  trial: Trial;
  /** The candidate ops of every edge (the columns of α). */
  ops: DartsOp[];
  /** The genotype it derived: the run's final one, else the last epoch's (a trial that did not finish). */
  genotype?: Genotype;
  /** α entropy per cell type at the end (or the last epoch). */
  entropy?: Record<CellType, number>;
  /** Per epoch that reported α: its number, phase and logits. */
  alpha: { epoch: number; phase?: string; logits: AlphaLogits }[];
  /** Trials that retrained this supernet's genotype (`attributes.derivedFrom`). */
  retrained: Trial[];
}

/** The `cells` layer with `supernet` of an architecture, nested ones too. */
function supernetCells(layers: readonly LayerSpec[] | undefined): CellsLayer | undefined {
  for (const l of layers ?? []) {
    if (l.type === 'cells' && (l as CellsLayer).supernet) return l as CellsLayer;
    for (const chain of layerDescriptor(l).nested?.(l as never) ?? []) {
      const found = supernetCells(chain);
      if (found) return found;
    }
  }
  return undefined;
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** α logits of `outputs` when they have one row of `ops` numbers per edge of a `nodes`-node cell, for both cell types. */
function alphaOf(outputs: JsonObject | undefined, nodes: number, ops: number): AlphaLogits | undefined {
  const a = outputs?.['alpha'];
  if (!isObject(a)) return undefined;
  const ok = (rows: unknown) => Array.isArray(rows) && rows.length === supernetEdges(nodes).length
    && rows.every((r) => Array.isArray(r) && r.length === ops && r.every((v) => typeof v === 'number' && Number.isFinite(v)));
  return ok(a['normal']) && ok(a['reduce']) ? (a as unknown as AlphaLogits) : undefined;
}

/**
 * The supernet trials of a study (`attributes.role` "supernet", a `cells` layer with
 * `supernet`) that reported α or a genotype, in trial order; [] for every other study.
 */
export function supernetViews(data: ReportData): SupernetView[] {
  const out: SupernetView[] = [];
  for (const t of data.trials) {
    if (t.attributes?.['role'] !== 'supernet') continue;
    const cells = supernetCells(t.architecture?.layers);
    if (!cells?.supernet) continue;
    const ops = supernetOps(cells.supernet);
    const epochs = data.epochs[t.number] ?? [];
    const alpha = epochs.flatMap((e) => {
      const logits = alphaOf(e.outputs, cells.supernet!.nodes, ops.length);
      return logits ? [{ epoch: e.epoch, phase: dassEpochView(e.outputs)?.phase, logits }] : [];
    });
    const views: (DassEpochView | undefined)[] = [dassEpochView(t.metrics?.outputs), ...epochs.map((e) => dassEpochView(e.outputs)).reverse()];
    const genotype = views.find((v) => v?.genotype)?.genotype;
    const entropy = views.find((v) => v?.entropy)?.entropy;
    if (!genotype && !alpha.length) continue;
    const retrained = data.trials.filter((d) => d.attributes?.['derivedFrom'] === t.number);
    out.push({ trial: t, ops, genotype, entropy, alpha, retrained });
  }
  return out;
}

/** Mean over the cell type's edges of each op's mixing weight softmax(α_e)_o (sums to 1 over the ops). */
export function meanOpWeights(alpha: AlphaLogits, type: CellType): number[] {
  const rows = alpha[type];
  const sums = new Array<number>(rows[0]?.length ?? 0).fill(0);
  for (const r of rows) softmax(r).forEach((w, o) => { sums[o]! += w; });
  return sums.map((s) => s / Math.max(1, rows.length));
}

/** The α-over-epochs series of one cell type: one per op, y = `meanOpWeights` at each epoch. */
export function alphaSeries(view: SupernetView, type: CellType): LineSeries[] {
  const weights = view.alpha.map((a) => ({ epoch: a.epoch, w: meanOpWeights(a.logits, type) }));
  return view.ops.map((op, o) => ({
    trial: view.trial.number, key: op, label: op,
    points: weights.map(({ epoch, w }) => ({ x: epoch, y: w[o]! })),
  }));
}

/** The line chart of α over epochs for one cell type of a supernet trial, or undefined without α. */
export function alphaChart(view: SupernetView, type: CellType): string | undefined {
  if (!view.alpha.length) return undefined;
  const n = view.trial.number;
  return lineChart({
    id: `chart-alpha-${n}-${type}`, title: `α of trial ${n}, ${type === 'normal' ? 'normal' : 'reduction'} cell: mean op weight per epoch`,
    description: `For each candidate op, the mean over the ${type} cell's edges of its softmax(α) mixing weight after each epoch of supernet trial ${n}.`,
    xLabel: 'epoch', yLabel: 'mean softmax(α) weight', xFormat: (v) => String(v), yFormat: (v) => String(v),
    series: alphaSeries(view, type), xInteger: true, fullLegend: true,
  });
}

/** `trial 2 (DASS supernet 90%, dass-supernet-s90)` */
function supernetName(t: Trial): string {
  const tag = [t.label, t.group].filter(Boolean).map((s) => oneLine(s!)).join(', ');
  return `trial ${t.number}${tag ? ` (${tag})` : ''}`;
}

function retrainedText(v: SupernetView): string {
  if (!v.retrained.length) return 'not retrained (yet)';
  return `retrained as ${v.retrained.map((d) => `trial ${d.number}${d.metrics ? ` (val_acc ${formatFixed(d.metrics.valAccuracy)})` : ` (${d.state})`}`).join(', ')}`;
}

/**
 * The HTML section of a study with supernet trials: per supernet its derived normal and
 * reduction cells as graphs and α over epochs per cell type; '' for any other study.
 */
export function dassSection(data: ReportData): string {
  const views = supernetViews(data);
  if (!views.length) return '';
  const items = views.map((v, i) => {
    const n = v.trial.number;
    const cells = v.genotype
      ? `<div class="cells">\n${CELL_TYPES.map((t) => cellGraph({ id: `cell-${n}-${t}`, title: `${t === 'normal' ? 'Normal' : 'Reduction'} cell`, genotype: v.genotype!, type: t })).join('\n')}\n</div>`
      : '<p class="empty">No genotype reported yet.</p>';
    const charts = CELL_TYPES.map((t) => alphaChart(v, t)).filter(Boolean);
    const facts = [
      `state ${v.trial.state}`,
      v.entropy ? `final α entropy normal ${v.entropy.normal.toFixed(4)}, reduce ${v.entropy.reduce.toFixed(4)} (nats; ln ${v.ops.length} = ${Math.log(v.ops.length).toFixed(4)} is uniform)` : '',
      retrainedText(v),
    ].filter(Boolean).join(' · ');
    return `<details${i === 0 ? ' open' : ''} class="supernet" data-trial="${n}">
<summary>${escapeHtml(supernetName(v.trial))}</summary>
<p class="muted">${escapeHtml(facts)}</p>
${v.genotype ? `<p><code>${escapeHtml(genotypeText(v.genotype))}</code></p>\n` : ''}${cells}
${charts.length ? `<div class="charts">\n${charts.join('\n')}\n</div>` : '<p class="empty">No per-epoch α recorded.</p>'}
</details>`;
  });
  return `<section id="dass">
<h2>Derived cells and α (supernet trials)</h2>
<p class="muted">Each supernet trial's genotype (DARTS rule: per node the two incoming edges whose strongest op other than <code>none</code> weighs most), drawn as its normal and reduction cell, and α over the epochs: for each op the mean of its softmax(α) weight over the cell type's edges. Supernet trials are not ranked.</p>
${items.join('\n')}
</section>
`;
}

/**
 * The Markdown lines of the same: each supernet's genotype as text (a table through `table`,
 * which escapes its cells, and the genotypes as JSON); [] for any other study.
 */
export function dassMarkdown(data: ReportData, table: (headers: string[], rows: string[][]) => string): string[] {
  const views = supernetViews(data);
  if (!views.length) return [];
  const rows = views.map((v) => [
    String(v.trial.number), oneLine(v.trial.label ?? v.trial.group ?? ''), v.trial.state,
    v.genotype ? cellText(v.genotype, 'normal') : '-', v.genotype ? cellText(v.genotype, 'reduce') : '-',
    v.entropy ? `${v.entropy.normal.toFixed(4)} / ${v.entropy.reduce.toFixed(4)}` : '-',
    retrainedText(v),
  ]);
  const full = views.filter((v) => v.genotype).map((v) => `- trial ${v.trial.number}: \`${JSON.stringify(v.genotype)}\``);
  return [
    '## Derived cells (supernet trials)', '',
    'Each node is its two incoming edges `op@state` (states 0 and 1 are the inputs c_{k-2}, c_{k-1}; 2… the nodes); the cell outputs the concat of its nodes unless `→` lists others. Supernet trials are not ranked.', '',
    table(['trial', 'supernet', 'state', 'normal cell', 'reduction cell', 'α entropy normal / reduce', 'retrained'], rows), '',
    ...(full.length ? ['Genotypes as JSON (DARTS `Genotype` fields):', '', ...full, ''] : []),
  ];
}
