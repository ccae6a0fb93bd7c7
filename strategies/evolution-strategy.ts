import { createRng, deriveSeed, drawFeasible, metricValue, sampleChecker } from '../search/index.js';
import type { Candidate, Constraints, Json, Rng, Sample, SearchSpace, Strategy, StrategyContext, StrategyFactory, Trial } from '../search/index.js';
import { sampleDimension } from '../spaces/index.js';
import { sampleSpace } from './sampling.js';
import { evolutionOptionsSchema } from './option-schemas.js';

/**
 * Regularised (aging) evolution, Real et al. 2019 (AAAI), Algorithm 1: the population is
 * the `population` most recent completed trials; each child mutates one dimension of the
 * best of `sampleSize` members drawn at random. Until the population is full, random samples.
 */
export class EvolutionStrategy implements Strategy {
  private space!: SearchSpace;
  private rng!: Rng;
  private seed = 0;
  private population = 20;
  private sampleSize = 5;
  private objective = { metric: 'valAccuracy', direction: 'maximize' as 'maximize' | 'minimize' };

  private constraints: Constraints | undefined;
  private check: ReturnType<typeof sampleChecker>;

  init(ctx: StrategyContext): void {
    this.space = ctx.space;
    // Random members and children are drawn again until they meet the pre-training constraints.
    this.constraints = ctx.definition.constraints;
    this.check = sampleChecker(ctx.space, this.constraints, ctx.dataset);
    this.seed = deriveSeed(ctx.seed, 'evolution-strategy');
    this.rng = createRng(this.seed);
    const o = ctx.options;
    if (typeof o['population'] === 'number') this.population = o['population'];
    if (typeof o['sampleSize'] === 'number') this.sampleSize = o['sampleSize'];
    if (!(this.population >= 2 && this.sampleSize >= 1 && this.sampleSize <= this.population)) {
      throw new RangeError(`evolution: need population >= 2 and 1 <= sampleSize <= population, got ${this.population}, ${this.sampleSize}`);
    }
    this.objective = ctx.definition.objectives[0]!;
  }

  ask(history: readonly Trial[]): Candidate {
    const alive = history.filter((t) => t.state === 'completed' && metricValue(t, this.objective.metric) !== undefined).slice(-this.population);
    if (alive.length < this.population) return { sample: this.randomSample(), label: 'random' };
    const picked = Array.from({ length: this.sampleSize }, () => alive[this.rng.int(0, alive.length - 1)]!);
    const sign = this.objective.direction === 'maximize' ? 1 : -1;
    const parent = picked.reduce((a, b) => (sign * metricValue(b, this.objective.metric)! > sign * metricValue(a, this.objective.metric)! ? b : a));
    return { sample: this.mutate(parent.sample), label: `child of #${parent.number}`, attributes: { parent: parent.number } };
  }

  /** Resample one dimension to a different value; retry until the space accepts the child. */
  private mutate(parent: Sample): Sample {
    const dims = this.space.dimensions.filter((d) => !(d.kind === 'categorical' && d.choices.length < 2));
    for (let attempt = 0; attempt < 100 && dims.length; attempt++) {
      const d = this.rng.pick(dims);
      const child = { ...parent, [d.name]: sampleDimension(d, this.rng) };
      if (JSON.stringify(child[d.name]) === JSON.stringify(parent[d.name])) continue;
      if (!this.space.check(child) && !this.check?.(child)?.violation) return child;
    }
    return this.randomSample();
  }

  private randomSample(): Sample {
    return drawFeasible(() => sampleSpace(this.space, this.rng), this.check, this.constraints, this.space.name);
  }

  tell(): void {}

  snapshot(): Json {
    return { rng: this.rng.state() };
  }

  restore(state: Json): void {
    this.rng = createRng(this.seed, (state as { rng: number }).rng);
  }
}

export const evolutionStrategyFactory: StrategyFactory = {
  name: 'evolution',
  optionsSchema: evolutionOptionsSchema,
  description: 'regularised (aging) evolution, Real et al. 2019: tournament selection, one-dimension mutation',
  source: 'built-in',
  create: () => new EvolutionStrategy(),
};
