import { ArchitectureError } from '../errors.js';
import { DARTS_OP_TOKENS, DARTS_OPS, isDartsOp, type DartsOp } from './darts-ops.js';

/** One incoming edge of an intermediate node: [op, index of the state it reads]. */
export type GenotypeEdge = [DartsOp, number];

/**
 * A DARTS genotype as plain JSON, the shape of DARTS' `Genotype(normal, normal_concat, reduce,
 * reduce_concat)`: per cell type, two edges per intermediate node (node i's are entries 2i and
 * 2i + 1, reading states < i + 2: 0 and 1 are the cell's two inputs, 2… the nodes before it),
 * and the states concatenated into the cell's output.
 */
export interface Genotype {
  normal: GenotypeEdge[];
  normal_concat: number[];
  reduce: GenotypeEdge[];
  reduce_concat: number[];
}

export type CellType = 'normal' | 'reduce';

/** The genotype DARTS (second order) found on CIFAR-10, `genotypes.py` DARTS_V2. */
export const DARTS_V2: Genotype = {
  normal: [['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 1], ['skip_connect', 0], ['skip_connect', 0], ['dil_conv_3x3', 2]],
  normal_concat: [2, 3, 4, 5],
  reduce: [['max_pool_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 2], ['max_pool_3x3', 1], ['max_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 2], ['max_pool_3x3', 1]],
  reduce_concat: [2, 3, 4, 5],
};

/** Intermediate nodes of a genotype (both cell types have the same number), after checking it. */
export function checkGenotype(name: string, g: unknown): number {
  const fail = (what: string) => new ArchitectureError(name, `cells ${name}: genotype ${what}`);
  if (typeof g !== 'object' || g === null) throw fail(`must be an object { normal, normal_concat, reduce, reduce_concat }, got ${JSON.stringify(g)}`);
  const o = g as Record<string, unknown>;
  let nodes: number | undefined;
  for (const type of ['normal', 'reduce'] as const) {
    const edges = o[type];
    if (!Array.isArray(edges) || edges.length < 2 || edges.length % 2 !== 0) {
      throw fail(`.${type} must list two [op, input] edges per intermediate node, got ${JSON.stringify(edges)}`);
    }
    const n = edges.length / 2;
    if (nodes !== undefined && n !== nodes) throw fail(`.normal has ${nodes} nodes but .reduce has ${n}; both cell types need the same number`);
    nodes = n;
    edges.forEach((e, k) => {
      const node = Math.floor(k / 2);
      if (!Array.isArray(e) || e.length !== 2 || !isDartsOp(e[0])) {
        throw fail(`.${type}[${k}] must be [op, input] with op one of ${DARTS_OPS.join(', ')}, got ${JSON.stringify(e)}`);
      }
      if (!Number.isInteger(e[1]) || e[1] < 0 || e[1] >= node + 2) {
        throw fail(`.${type}[${k}] reads state ${JSON.stringify(e[1])}, but node ${node} can read states 0..${node + 1} (the two inputs and earlier nodes)`);
      }
    });
    const concat = o[`${type}_concat`];
    if (!Array.isArray(concat) || concat.length === 0 || new Set(concat).size !== concat.length
      || concat.some((i) => !Number.isInteger(i) || i < 0 || i >= n + 2)) {
      throw fail(`.${type}_concat must list distinct states in 0..${n + 1}, got ${JSON.stringify(concat)}`);
    }
  }
  return nodes!;
}

/** The states DARTS concatenates by default: every intermediate node, [2, …, nodes + 1]. */
export function defaultConcat(nodes: number): number[] {
  return Array.from({ length: nodes }, (_, i) => i + 2);
}

/**
 * Compact text of one cell type: nodes separated by spaces, each node's edges `op@input`
 * joined by '+', e.g. `sep3@0+sep3@1 skip@0+dil3@2`; a concat other than every node follows
 * as `→2,4`.
 */
export function cellText(g: Genotype, type: CellType): string {
  const edges = g[type];
  const nodes: string[] = [];
  for (let i = 0; i < edges.length; i += 2) nodes.push(edges.slice(i, i + 2).map(([op, from]) => `${DARTS_OP_TOKENS[op]}@${from}`).join('+'));
  const concat = g[`${type}_concat`];
  const standard = concat.join() === defaultConcat(edges.length / 2).join();
  return nodes.join(' ') + (standard ? '' : ` →${concat.join(',')}`);
}
