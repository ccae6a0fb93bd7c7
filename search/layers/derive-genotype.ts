import { SparsenasError } from '../errors.js';
import { DARTS_OPS, type DartsOp } from './darts-ops.js';
import { defaultConcat, type CellType, type Genotype, type GenotypeEdge } from './genotype.js';

/**
 * The architecture weights of a DARTS/DASS supernet as plain JSON: per cell type one row of
 * logits per edge (edges in `supernetEdges` order), one column per op (`ops`, default
 * DARTS_OPS). The mixing weights of an edge are softmax(row).
 */
export interface AlphaLogits {
  normal: number[][];
  reduce: number[][];
}

/** One edge of a supernet cell: intermediate node `node` reading state `from` (0, 1 the inputs). */
export interface SupernetEdge {
  node: number;
  from: number;
}

/**
 * Every state → node edge of a supernet cell with `nodes` intermediate nodes, in DARTS order
 * (node 0's edges from states 0, 1; node 1's from 0, 1, 2; …): nodes·(nodes + 3)/2 edges, 14
 * for 4 nodes. Row e of α is edge e.
 */
export function supernetEdges(nodes: number): SupernetEdge[] {
  const out: SupernetEdge[] = [];
  for (let node = 0; node < nodes; node++) for (let from = 0; from < node + 2; from++) out.push({ node, from });
  return out;
}

/** Intermediate nodes of a cell with `edges` supernet edges, or undefined when no node count gives it. */
export function nodesOfEdges(edges: number): number | undefined {
  for (let n = 1; n <= 32; n++) if ((n * (n + 3)) / 2 === edges) return n;
  return undefined;
}

export function softmax(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

function checkAlpha(alpha: AlphaLogits, ops: readonly DartsOp[]): number {
  let nodes: number | undefined;
  for (const type of ['normal', 'reduce'] as const) {
    const rows = alpha?.[type];
    const n = Array.isArray(rows) ? nodesOfEdges(rows.length) : undefined;
    if (n === undefined) throw new SparsenasError('ALPHA_INVALID', `alpha.${type} must have nodes·(nodes+3)/2 rows (14 for 4 nodes), one per supernet edge; got ${Array.isArray(rows) ? rows.length : JSON.stringify(rows)}`);
    if (nodes !== undefined && n !== nodes) throw new SparsenasError('ALPHA_INVALID', `alpha.normal has ${nodes} nodes' edges but alpha.reduce has ${n}; both cell types need the same number`);
    nodes = n;
    rows.forEach((r, e) => {
      if (!Array.isArray(r) || r.length !== ops.length || !r.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new SparsenasError('ALPHA_INVALID', `alpha.${type}[${e}] must be ${ops.length} finite numbers (one per op: ${ops.join(', ')}), got ${JSON.stringify(r)}`);
      }
    });
  }
  return nodes!;
}

/**
 * The DARTS discretisation (`model_search.py` genotype()): per node, of its incoming edges keep
 * the two whose strongest non-`none` op has the largest softmax weight, and on each kept edge
 * that op. Never picks `none`. Ties go to the lower state index, then to the earlier op in
 * `ops` (DARTS' stable sort and first argmax), so the result is a function of α alone. Each
 * node's two edges are listed by ascending input, and every node is concatenated.
 */
export function deriveGenotype(alpha: AlphaLogits, ops: readonly DartsOp[] = DARTS_OPS): Genotype {
  const nodes = checkAlpha(alpha, ops);
  if (!ops.some((op) => op !== 'none')) throw new SparsenasError('ALPHA_INVALID', 'the supernet ops are all "none"; a genotype needs at least one other op');
  const edges = supernetEdges(nodes);
  const cell = (type: CellType): GenotypeEdge[] => {
    const best = alpha[type].map((row) => {
      const w = softmax(row);
      let op = -1;
      for (let o = 0; o < ops.length; o++) if (ops[o] !== 'none' && (op < 0 || w[o]! > w[op]!)) op = o;
      return { op: ops[op]!, weight: w[op]! };
    });
    const out: GenotypeEdge[] = [];
    for (let node = 0; node < nodes; node++) {
      const incoming = edges.map((e, i) => ({ ...e, i })).filter((e) => e.node === node);
      // Strongest first; equal weights keep the lower state first.
      const kept = incoming.slice().sort((a, b) => best[b.i]!.weight - best[a.i]!.weight || a.from - b.from).slice(0, 2);
      kept.sort((a, b) => a.from - b.from);
      for (const e of kept) out.push([best[e.i]!.op, e.from]);
    }
    return out;
  };
  return { normal: cell('normal'), normal_concat: defaultConcat(nodes), reduce: cell('reduce'), reduce_concat: defaultConcat(nodes) };
}

/**
 * Mean entropy (nats) of the edges' mixing weights softmax(α_e), per cell type: ln(#ops) for
 * uniform α (the start), 0 when every edge has chosen one op.
 */
export function alphaEntropy(alpha: AlphaLogits): { normal: number; reduce: number } {
  const of = (rows: number[][]) => rows.reduce((s, r) => s - softmax(r).reduce((h, p) => h + (p > 0 ? p * Math.log(p) : 0), 0), 0) / Math.max(1, rows.length);
  return { normal: of(alpha.normal), reduce: of(alpha.reduce) };
}

/** Share of the genotype's edges (both cell types) whose op has weights (sep/dil convs). */
export function parametricShare(g: Genotype): number {
  const all = [...g.normal, ...g.reduce];
  return all.filter(([op]) => op.startsWith('sep_conv') || op.startsWith('dil_conv')).length / Math.max(1, all.length);
}
