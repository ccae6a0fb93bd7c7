import type { CellType, Genotype } from '../../../search/index.js';
import { escapeHtml } from '../escape-html.js';
import { svgOpen } from './chart-frame.js';
import { px } from './scale.js';

interface Pt { x: number; y: number }

/** Node shapes: the inputs and the output are ellipses, the intermediate nodes circles. */
const IO = { rx: 30, ry: 14 };
const NODE_R = 14;
const STEP = 150;
/** Width of an op label per character (the charts' 11 px text, as the legends assume). */
const LABEL_CHAR_PX = 6.6;

/**
 * A DARTS cell as a small self-contained SVG graph, drawn the way DARTS' `visualize.py` does:
 * the inputs c_{k−2} (top left) and c_{k−1} (bottom left), the intermediate nodes 0…n−1 left to
 * right, the output c_{k} on the right; one arrow per genotype edge labelled with its op, and a
 * dashed arrow from each concatenated state into the output. Each edge is a quadratic curve:
 * from an input it bends along that input's row, between nodes it arcs above the row (higher
 * for longer spans), into the output below it. `data-*` attributes (state indices: 0, 1 the
 * inputs, 2… the nodes) let the drawing be checked against the genotype.
 */
export function cellGraph(o: { id: string; title: string; genotype: Genotype; type: CellType }): string {
  const edges = o.genotype[o.type];
  const concat = o.genotype[`${o.type}_concat`];
  const n = edges.length / 2;
  const xIn = 50;
  const xNode = (i: number) => 180 + i * STEP;
  const xOut = xNode(n - 1) + STEP;
  const yTop = 60;
  const yMid = yTop + 60 + 22 * Math.max(1, n - 1);
  const yBot = yMid + 110;
  const width = xOut + 50;
  const height = yBot + 36;
  const pos = (state: number): Pt => (state === 0 ? { x: xIn, y: yTop } : state === 1 ? { x: xIn, y: yBot } : { x: xNode(state - 2), y: yMid });
  const shapeOf = (state: number) => (state < 2 ? IO : { rx: NODE_R, ry: NODE_R });
  const marker = `${o.id}-arrow`;

  const body: string[] = [
    `<defs><marker id="${escapeHtml(marker)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrow-head" d="M0,0 L10,5 L0,10 z" fill="#666"/></marker></defs>`,
  ];
  edges.forEach(([op, from], k) => {
    const to = Math.floor(k / 2) + 2;
    const a = pos(from), b = pos(to);
    let c: Pt;
    if (from === 0) c = { x: b.x, y: yTop };
    else if (from === 1) c = { x: b.x, y: yBot };
    else c = { x: (a.x + b.x) / 2, y: yMid - 44 * (to - from - 1) };
    const path = curve(a, c, b, shapeOf(from), shapeOf(to));
    const mid = bezier(a, c, b, 0.5);
    const w = op.length * LABEL_CHAR_PX + 8;
    body.push(`<g class="cell-edge" data-from="${from}" data-to="${to}" data-op="${escapeHtml(op)}"><path class="edge" d="${path}" marker-end="url(#${escapeHtml(marker)})"/>`
      + `<rect class="op-bg" x="${px(mid.x - w / 2)}" y="${px(mid.y - 8)}" width="${px(w)}" height="15" rx="3"/>`
      + `<text class="op" x="${px(mid.x)}" y="${px(mid.y)}" dy="0.32em" text-anchor="middle">${escapeHtml(op)}</text></g>`);
  });
  const out: Pt = { x: xOut, y: yMid };
  for (const s of concat) {
    const a = pos(s);
    // The last node is next to the output (a straight arrow); earlier ones arc below the row, inputs bend along theirs.
    const c: Pt = { x: (a.x + out.x) / 2, y: s < 2 ? a.y : yMid + 30 * (n + 1 - s) };
    body.push(`<path class="cell-concat" data-from="${s}" d="${curve(a, c, out, shapeOf(s), IO)}" marker-end="url(#${escapeHtml(marker)})"/>`);
  }
  const node = (state: number, label: string, cls: string) => {
    const p = pos(state);
    const shape = state < 2 ? `<ellipse cx="${px(p.x)}" cy="${px(p.y)}" rx="${IO.rx}" ry="${IO.ry}"/>` : `<circle cx="${px(p.x)}" cy="${px(p.y)}" r="${NODE_R}"/>`;
    return `<g class="cell-node ${cls}" data-state="${state}">${shape}<text x="${px(p.x)}" y="${px(p.y)}" dy="0.32em" text-anchor="middle">${label}</text></g>`;
  };
  body.push(node(0, 'c<tspan class="sub" dy="3">k−2</tspan>', 'input'), node(1, 'c<tspan class="sub" dy="3">k−1</tspan>', 'input'));
  for (let i = 0; i < n; i++) body.push(node(i + 2, String(i), 'intermediate'));
  body.push(`<g class="cell-node output" data-state="out"><ellipse cx="${px(out.x)}" cy="${px(out.y)}" rx="${IO.rx}" ry="${IO.ry}"/><text x="${px(out.x)}" y="${px(out.y)}" dy="0.32em" text-anchor="middle">c<tspan class="sub" dy="3">k</tspan></text></g>`);

  const description = `${o.type === 'normal' ? 'Normal' : 'Reduction'} cell: inputs c_{k-2} and c_{k-1}, ${n} intermediate nodes, output c_{k} = concat of states ${concat.join(', ')}; edges: ${edges.map(([op, from], k) => `${op} from ${stateName(from)} to node ${Math.floor(k / 2)}`).join('; ')}.`;
  return [...svgOpen({ id: o.id, title: o.title, description }, width, height, 10).map((l, i) => (i === 0 ? l.replace('class="chart"', 'class="chart cell-graph"') : l)), ...body, '</svg>'].join('\n');
}

function stateName(s: number): string {
  return s === 0 ? 'c_{k-2}' : s === 1 ? 'c_{k-1}' : `node ${s - 2}`;
}

function bezier(a: Pt, c: Pt, b: Pt, t: number): Pt {
  const u = 1 - t;
  return { x: u * u * a.x + 2 * u * t * c.x + t * t * b.x, y: u * u * a.y + 2 * u * t * c.y + t * t * b.y };
}

/** Where a ray from an ellipse's centre in direction d leaves it. */
function boundary(p: Pt, d: Pt, shape: { rx: number; ry: number }): Pt {
  const len = Math.hypot(d.x, d.y) || 1;
  const ux = d.x / len, uy = d.y / len;
  const r = 1 / Math.sqrt((ux / shape.rx) ** 2 + (uy / shape.ry) ** 2);
  return { x: p.x + ux * r, y: p.y + uy * r };
}

/** A quadratic curve a → b (control c), cut at both nodes' outlines so the arrowhead shows. */
function curve(a: Pt, c: Pt, b: Pt, from: { rx: number; ry: number }, to: { rx: number; ry: number }): string {
  // The curve leaves a toward c and arrives at b from c (a control point on an endpoint: use the chord).
  const dStart = c.x === a.x && c.y === a.y ? { x: b.x - a.x, y: b.y - a.y } : { x: c.x - a.x, y: c.y - a.y };
  const dEnd = c.x === b.x && c.y === b.y ? { x: a.x - b.x, y: a.y - b.y } : { x: c.x - b.x, y: c.y - b.y };
  const s = boundary(a, dStart, from);
  const e = boundary(b, dEnd, to);
  return `M${px(s.x)},${px(s.y)} Q${px(c.x)},${px(c.y)} ${px(e.x)},${px(e.y)}`;
}
