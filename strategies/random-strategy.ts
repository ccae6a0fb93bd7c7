import { createRng, deriveSeed, drawFeasible, sampleChecker } from '../search/index.js';
import type { Candidate, Constraints, Json, Rng, SearchSpace, Strategy, StrategyContext, StrategyFactory } from '../search/index.js';
import { sampleSpace } from './sampling.js';
import { randomOptionsSchema } from './option-schemas.js';

/** Uniform random search (Bergstra & Bengio 2012): independent draws from one seeded stream. */
export class RandomStrategy implements Strategy {
  private space!: SearchSpace;
  private rng!: Rng;
  private seed = 0;
  private constraints: Constraints | undefined;
  private check: ReturnType<typeof sampleChecker>;

  init(ctx: StrategyContext): void {
    this.space = ctx.space;
    // Only candidates that meet the pre-training constraints are proposed (resampled until one does).
    this.constraints = ctx.definition.constraints;
    this.check = sampleChecker(ctx.space, this.constraints, ctx.dataset);
    this.seed = deriveSeed(ctx.seed, 'random-strategy');
    this.rng = createRng(this.seed);
  }

  ask(): Candidate {
    return { sample: drawFeasible(() => sampleSpace(this.space, this.rng), this.check, this.constraints, this.space.name) };
  }

  tell(): void {}

  snapshot(): Json {
    return { rng: this.rng.state() };
  }

  restore(state: Json): void {
    const s = state as { rng: number };
    this.rng = createRng(this.seed, s.rng);
  }
}

export const randomStrategyFactory: StrategyFactory = {
  name: 'random',
  optionsSchema: randomOptionsSchema,
  description: 'uniform random sampling of the space, seeded (the baseline of every NAS study)',
  source: 'built-in',
  create: () => new RandomStrategy(),
};
