import { SparsenasError } from '../search/index.js';
import type { Candidate, Json, SearchSpace, Strategy, StrategyContext, StrategyFactory, Trial } from '../search/index.js';
import { gridValues } from '../spaces/index.js';
import { architectureKey } from './sampling.js';

/**
 * Exhaustive grid over every dimension, in mixed-radix order. Floats take `points` evenly
 * spaced values (their step grid when they have a step); `options.values` overrides the
 * grid of any dimension. Samples the space refuses and samples that build an architecture
 * already visited (inactive dimensions) are skipped, so each architecture is tried once, and so
 * are architectures already in the history: another worker's running trial, or one proposed by
 * an instance restored from the same snapshot, is never handed out a second time.
 */
export class GridStrategy implements Strategy {
  private space!: SearchSpace;
  private axes: { name: string; values: Json[] }[] = [];
  private index = 0;
  private total = 0;
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
    this.axes = ctx.space.dimensions.map((d) => ({ name: d.name, values: values[d.name] ?? gridValues(d, points) }));
    this.total = this.axes.reduce((n, a) => n * a.values.length, 1);
  }

  ask(history: readonly Trial[] = []): Candidate | undefined {
    const taken = new Set(history.map((t) => this.keyOf(t)));
    while (this.index < this.total) {
      let rest = this.index++;
      const sample: Record<string, Json> = {};
      for (let i = this.axes.length - 1; i >= 0; i--) {
        const axis = this.axes[i]!;
        sample[axis.name] = axis.values[rest % axis.values.length]!;
        rest = Math.floor(rest / axis.values.length);
      }
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
    return { index: this.index };
  }

  restore(state: Json): void {
    // Replaying the enumeration rebuilds the set of visited architectures deterministically.
    const target = (state as { index: number }).index;
    this.index = 0;
    this.seen.clear();
    while (this.index < target && this.ask()) { /* replay */ }
  }
}

export const gridStrategyFactory: StrategyFactory = {
  name: 'grid',
  description: 'exhaustive grid over the space (floats at `points` values), each architecture once',
  source: 'built-in',
  create: () => new GridStrategy(),
};
