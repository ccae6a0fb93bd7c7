// A complete custom strategy: (1+1) hill climbing. Written against the public API only.
import { createRng, deriveSeed, metricValue, sampleSpace } from 'sparsenas';
import type { Candidate, Json, Rng, SearchSpace, Strategy, StrategyContext, Trial } from 'sparsenas';

export class HillClimbStrategy implements Strategy {
  private space!: SearchSpace;
  private rng!: Rng;
  private seed = 0;
  private metric = 'valAccuracy';
  private sign = 1;

  // Called once before the first ask (and on resume, before restore).
  init(ctx: StrategyContext): void {
    this.space = ctx.space;
    this.seed = deriveSeed(ctx.seed, 'hill-climb');
    this.rng = createRng(this.seed);
    const objective = ctx.definition.objectives[0]!;
    this.metric = objective.metric;
    this.sign = objective.direction === 'maximize' ? 1 : -1;
  }

  // Called whenever a trial can start: mutate one dimension of the best trial so far.
  ask(history: readonly Trial[]): Candidate {
    const done = history.filter((t) => t.state === 'completed' && metricValue(t, this.metric) !== undefined);
    if (done.length === 0) return { sample: sampleSpace(this.space, this.rng), label: 'start' };
    const best = done.reduce((a, b) => (this.sign * metricValue(b, this.metric)! > this.sign * metricValue(a, this.metric)! ? b : a));
    for (let attempt = 0; attempt < 50; attempt++) {
      const dim = this.rng.pick(this.space.dimensions);
      const options = dim.kind === 'categorical' ? dim.choices : null;
      if (options && options.length < 2) continue;
      const value: Json = options ? this.rng.pick(options) : sampleSpace(this.space, this.rng)[dim.name]!;
      const sample = { ...best.sample, [dim.name]: value };
      if (JSON.stringify(value) !== JSON.stringify(best.sample[dim.name]) && !this.space.check(sample)) {
        return { sample, label: `step from #${best.number}`, attributes: { parent: best.number } };
      }
    }
    return { sample: sampleSpace(this.space, this.rng), label: 'restart' };
  }

  // Called when a trial ends; this strategy reads everything it needs from `history`.
  tell(_trial: Trial): void {}

  snapshot(): Json {
    return { rng: this.rng.state() };
  }

  restore(state: Json): void {
    this.rng = createRng(this.seed, (state as { rng: number }).rng);
  }
}
