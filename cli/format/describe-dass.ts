import { cellText, checkGenotype, type CellType, type Genotype, type JsonObject } from '../../search/index.js';
import { truncate } from './format-numbers.js';
import { sparkline } from './glyphs.js';

/** The phases the dass training method reports (`evaluators/methods/dass`): `dense` is a DARTS search (no pruning). */
export const DASS_PHASES = ['pretrain', 'prune', 'finetune', 'dense'] as const;
export type DassPhaseName = (typeof DASS_PHASES)[number];

const CELL_TYPES: readonly CellType[] = ['normal', 'reduce'];

/**
 * What one epoch of a trial trained by the dass method reported (`EpochMetrics.outputs`):
 * the phase, and on a supernet the mean entropy (nats) of α's mixing weights per cell type and
 * the genotype α gives now. Only the fields present and well-formed; undefined when none is.
 */
export interface DassEpochView {
  phase?: DassPhaseName;
  entropy?: Record<CellType, number>;
  genotype?: Genotype;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The DASS fields of an epoch's (or a run's) `outputs`; undefined for another method's outputs or none. */
export function dassEpochView(outputs: JsonObject | undefined): DassEpochView | undefined {
  if (!isObject(outputs)) return undefined;
  const view: DassEpochView = {};
  const phase = outputs['phase'];
  if (typeof phase === 'string' && (DASS_PHASES as readonly string[]).includes(phase)) view.phase = phase as DassPhaseName;
  const h = outputs['alphaEntropy'];
  if (isObject(h) && CELL_TYPES.every((t) => typeof h[t] === 'number' && Number.isFinite(h[t]))) view.entropy = { normal: h['normal'] as number, reduce: h['reduce'] as number };
  const g = outputs['genotype'];
  if (g !== undefined) {
    try {
      checkGenotype('genotype', g);
      view.genotype = g as unknown as Genotype;
    } catch {
      // Not a genotype this version can read: shown without it.
    }
  }
  return view.phase || view.entropy || view.genotype ? view : undefined;
}

/** `normal: sep3@0+skip@1 …; reduce: max3@0+…` (the tokens of the `cells` layer's description). */
export function genotypeText(g: Genotype): string {
  return CELL_TYPES.map((t) => `${t}: ${cellText(g, t)}`).join('; ');
}

/** `α entropy normal 2.0794 reduce 2.0791` */
export function entropyText(h: Record<CellType, number>): string {
  return `α entropy ${CELL_TYPES.map((t) => `${t} ${h[t].toFixed(4)}`).join(' ')}`;
}

/**
 * The DASS part of a plain epoch line: `phase prune  α entropy normal 2.0794 reduce 2.0791
 * genotype normal: sep3@0+skip@1 …; reduce: …`, the present fields only.
 */
export function describeDassEpoch(v: DassEpochView): string {
  return [
    v.phase && `phase ${v.phase}`,
    v.entropy && entropyText(v.entropy),
    v.genotype && `genotype ${genotypeText(v.genotype)}`,
  ].filter(Boolean).join('  ');
}

/**
 * The dashboard's DASS lines of a running trial, each at most `width` columns: the phase and
 * α entropy per cell type (with a sparkline of its history), then each cell type's genotype,
 * wrapped at node boundaries (continuations indented under the first node) rather than cut.
 */
export function dassDashboardLines(history: readonly (DassEpochView | undefined)[], width: number): string[] {
  const last = history[history.length - 1];
  if (!last) return [];
  const lines: string[] = [];
  if (last.phase || last.entropy) {
    const entropy = (spark: boolean) => {
      if (!last.entropy) return '';
      const n = Math.min(8, history.length);
      const of = (t: CellType) => {
        const trend = spark && n > 1 ? ` ${sparkline(history.map((h) => h?.entropy?.[t] ?? Number.NaN), n)}` : '';
        return `${t} ${last.entropy![t].toFixed(3)}${trend}`;
      };
      return `α entropy ${of('normal')}  ${of('reduce')}`;
    };
    const one = (spark: boolean) => `  ${[last.phase, entropy(spark)].filter(Boolean).join('  ')}`;
    // Narrower terminals first lose the sparklines, then put the entropies on a line of their own.
    const choices = [[one(true)], [one(false)], [last.phase && `  ${last.phase}`, last.entropy && `  ${entropy(false)}`].filter((l): l is string => !!l)];
    const head = choices.find((c) => c.every((l) => l.length <= width)) ?? choices.at(-1)!;
    lines.push(...head.map((l) => truncate(l, width)));
  }
  if (last.genotype) {
    for (const t of CELL_TYPES) {
      const prefix = `  ${t.padEnd(6)} `;
      const nodes = cellText(last.genotype, t).split(' ');
      let line = prefix;
      for (const node of nodes) {
        const next = line.length === prefix.length ? line + node : `${line} ${node}`;
        if (next.length > width && line.length > prefix.length) {
          lines.push(truncate(line, width));
          line = ' '.repeat(prefix.length) + node;
        } else line = next;
      }
      lines.push(truncate(line, width));
    }
  }
  return lines;
}
