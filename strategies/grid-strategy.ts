import { SparsenasError } from '../search/index.js';
import type { Candidate, Json, SearchSpace, Strategy, StrategyContext, StrategyFactory, Trial } from '../search/index.js';
import { gridValues } from '../spaces/index.js';
import { architectureKey } from './sampling.js';
import { GRID_ORDERS, gridPoint, gridPositions, type GridOrder } from './grid-order.js';
import { gridOptionsSchema } from './option-schemas.js';

/**
 * Exhaustive grid over every dimension. Floats take `points` evenly spaced values (their step
 * grid when they have a step); `options.values` overrides the grid of any dimension. The order
 * (`options.order`, grid-order.ts) is `spread` by default: any prefix covers every dimension
 * coarsely, so a small budget is not spent in one corner; `lexicographic` is the mixed-radix
 * order. Samples the space refuses and samples whose canonical architecture (canonical-
 * architecture.ts: the dense network once, whatever its mask init or method) was already visited
 * are skipped, so each trained network is tried once, and so are architectures already in the
 * history: another worker's running trial, or one proposed by an instance restored from the same
 * snapshot, is never handed out a second time. The snapshot is the position in the order (and
 * the order), so a resumed grid continues exactly.
 */
export class GridStrategy implements Strategy {
  private space!: SearchSpace;
  private axes: { name: string; values: Json[] }[] = [];
  private index = 0;
  private total = 0;
  private order: GridOrder = 'spread';
  private seen = new Set<string>();
  private readonly keys = new Map<number, string | undefined>();

  init(ctx: StrategyContext): void {
    this.space = ctx.space;
    const points = typeof ctx.options['points'] === 'number' ? ctx.options['points'] : 3;
    const values = (ctx.options['values'] ?? {}) as Record<string, Json[]>;
    for (const key of Object.keys(values)) {
      if (!ctx.space.dimensions.some((d) => d.name === key)) {
        throw new SparsenasError('STRATEGY_OPTION', `strategy.options.values.${key}: "${key}" is not a dimension of space "${ctx.space.name}"`);
      }
    }
    const order = ctx.options['order'] ?? 'spread';
    if (!GRID_ORDERS.includes(order as GridOrder)) {
      throw new SparsenasError('STRATEGY_OPTION', `strategy.options.order must be one of ${GRID_ORDERS.join(', ')}, got ${JSON.stringify(order)}`);
    }
    this.axes = ctx.space.dimensions.map((d) => ({ name: d.name, values: values[d.name] ?? gridValues(d, points) }));
    this.setOrder(order as GridOrder);
  }

  private setOrder(order: GridOrder): void {
    this.order = order;
    this.total = gridPositions(order, this.axes.map((a) => a.values.length));
  }

  ask(history: readonly Trial[] = []): Candidate | undefined {
    const taken = new Set(history.map((t) => this.keyOf(t)));
    while (this.index < this.total) {
      const point = gridPoint(this.order, this.axes.map((a) => a.values.length), this.index++);
      if (!point) break;
      const sample: Record<string, Json> = {};
      this.axes.forEach((axis, i) => { sample[axis.name] = axis.values[point[i]!]!; });
      if (this.space.check(sample)) continue;
      const key = architectureKey(this.space, sample);
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      if (taken.has(key)) continue;
      return { sample };
    }
    return undefined;
  }

  tell(): void {}

  /** The architecture key of a trial of this grid (cached: trials never change their sample). */
  private keyOf(t: Trial): string | undefined {
    if (!this.keys.has(t.id)) {
      let key: string | undefined;
      try {
        key = this.space.check(t.sample) ? undefined : architectureKey(this.space, t.sample);
      } catch {
        key = undefined;
      }
      this.keys.set(t.id, key);
    }
    return this.keys.get(t.id);
  }

  snapshot(): Json {
    return { index: this.index, order: this.order };
  }

  restore(state: Json): void {
    // A snapshot without an order is from a grid that only knew the lexicographic one.
    const s = state as { index: number; order?: GridOrder };
    this.setOrder(s.order ?? 'lexicographic');
    // Replaying the enumeration rebuilds the set of visited architectures deterministically.
    const target = s.index;
    this.index = 0;
    this.seen.clear();
    while (this.index < target && this.ask()) { /* replay */ }
  }
}

export const gridStrategyFactory: StrategyFactory = {
  name: 'grid',
  optionsSchema: gridOptionsSchema,
  description: 'exhaustive grid over the space (floats at `points` values), spread order, each distinct network once',
  source: 'built-in',
  create: () => new GridStrategy(),
};
