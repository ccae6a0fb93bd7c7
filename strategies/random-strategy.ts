import { createRng, deriveSeed } from '../search/index.js';
import type { Candidate, Json, Rng, SearchSpace, Strategy, StrategyContext, StrategyFactory } from '../search/index.js';
import { sampleSpace } from './sampling.js';
import { randomOptionsSchema } from './option-schemas.js';

/** Uniform random search (Bergstra & Bengio 2012): independent draws from one seeded stream. */
export class RandomStrategy implements Strategy {
  private space!: SearchSpace;
  private rng!: Rng;
  private seed = 0;

  init(ctx: StrategyContext): void {
    this.space = ctx.space;
    this.seed = deriveSeed(ctx.seed, 'random-strategy');
    this.rng = createRng(this.seed);
  }

  ask(): Candidate {
    return { sample: sampleSpace(this.space, this.rng) };
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
