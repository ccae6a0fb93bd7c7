import type { Architecture, LayerSpec } from '../architecture.js';
import { ArchitectureError } from '../errors.js';
import { layerDescriptor } from './registry.js';
import type { NetworkPlan, PlanContext, PlanNode, PlanState, Role } from './types.js';

/**
 * Resolve an architecture against a dataset: check shapes, name every layer, insert a flatten
 * where a dense layer meets an image (and at the start for `input: 'flat'`), append the dense
 * classifier, mark the first weighted layer(s), and propagate node masks. Every per-type
 * decision (defaults, shapes, children) is the layer descriptor's.
 */
export function planNetwork(arch: Architecture, inputShape: readonly number[], classes: number): NetworkPlan {
  const planner = new Planner();
  let state: PlanState = { shape: [...inputShape], removed: [] };
  const nodes: PlanNode[] = [];
  const inserted = (spec: LayerSpec, name: string, role?: Role) => {
    const n = planner.node(spec, name, state, role);
    n.inserted = true;
    nodes.push(n);
    state = { shape: n.outShape, removed: n.removedOut };
  };
  if (arch.input === 'flat' && state.shape.length > 1) inserted({ type: 'flatten', name: 'flatten_input' }, 'flatten_input');
  const body = planner.chain(arch.layers, '', state);
  nodes.push(...body.nodes);
  state = body.end;
  if (state.shape.length > 1) inserted({ type: 'flatten' }, 'flatten_classifier');
  inserted({ type: 'dense', units: classes, activation: 'linear', name: 'classifier' }, 'classifier', 'classifier');
  return { inputShape: [...inputShape], classes, nodes };
}

/**
 * Plan a chain of layers on its own, as a piece of a bigger network (one DARTS op, a cell's
 * preprocessing): the same descriptors and shape checks as `planNetwork`, but no classifier
 * and no inserted flatten at either end. Every weighted layer is `hidden` (a piece has no first
 * layer or classifier for `keepFirstDense`/`keepLastDense`). Names start with `prefix`.
 */
export function planLayers(layers: readonly LayerSpec[], inputShape: readonly number[], prefix = ''): NetworkPlan & { outShape: number[] } {
  const planner = new Planner();
  planner.weightedSeen = true;
  const { nodes, end } = planner.chain(layers, prefix, { shape: [...inputShape], removed: [] });
  return { inputShape: [...inputShape], classes: 0, nodes, outShape: end.shape };
}

class Planner implements PlanContext {
  weightedSeen = false;
  private readonly names = new Set<string>();

  chain(layers: readonly LayerSpec[], prefix: string, from: PlanState): { nodes: PlanNode[]; end: PlanState } {
    const nodes: PlanNode[] = [];
    let state = from;
    layers.forEach((spec, i) => {
      const d = layerDescriptor(spec, `${prefix}layer ${i}`);
      const name = prefix + (spec.name ?? `${d.prefix}_${i}`);
      const push = (n: PlanNode) => {
        nodes.push(n);
        state = { shape: n.outShape, removed: n.removedOut };
      };
      if (d.flatInput && state.shape.length > 1) {
        const flatten = this.node({ type: 'flatten' }, `${prefix}flatten_before_${i}`, state);
        flatten.inserted = true;
        push(flatten);
      }
      push(this.node(spec, name, state));
    });
    return { nodes, end: state };
  }

  node(spec: LayerSpec, name: string, from: PlanState, role?: Role): PlanNode {
    if (this.names.has(name)) throw new ArchitectureError(name, `two layers are named "${name}"; layer names must be unique`);
    this.names.add(name);
    const d = layerDescriptor(spec, name);
    const resolved = d.withDefaults(spec);
    const n: PlanNode = { name, spec: resolved, inShape: from.shape, outShape: from.shape, removedIn: from.removed, removedOut: from.removed };
    if (d.weighted) {
      n.role = role ?? (this.weightedSeen ? 'hidden' : 'first');
      this.weightedSeen = true;
    }
    const planned = d.plan(resolved, { name, ...from }, this);
    n.outShape = planned.outShape;
    if (planned.removedOut) n.removedOut = planned.removedOut;
    if (planned.children) n.children = planned.children;
    return n;
  }
}

/** Every node of a plan, children before their parent (the order the builder creates them in). */
export function* planNodes(nodes: readonly PlanNode[]): Generator<PlanNode> {
  for (const n of nodes) {
    for (const chain of Object.values(n.children ?? {})) yield* planNodes(chain);
    yield n;
  }
}
