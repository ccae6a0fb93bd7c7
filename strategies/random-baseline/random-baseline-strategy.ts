import { SparsenasError, createRng, deriveSeed } from '../../search/index.js';
import type { Architecture, Candidate, Json, JsonObject, Sample, Strategy, StrategyContext, StrategyFactory, Trial, TrainingConfig } from '../../search/index.js';
import { baseArchitecture } from '../base-architecture.js';
import { randomNodeMask } from './node-mask.js';
import { randomBaselineOptionsSchema } from '../option-schemas.js';

export type ProxyKind = 'trained' | 'init';

export interface RandomBaselineOptions {
  /** Node sparsity levels (fraction of hidden units/channels removed); default 0.5, 0.75, 0.9. */
  levels?: number[];
  /** Node masks sampled and scored per level and replicate (N); default 10. */
  candidates?: number;
  /** Replicates (seeds); the dense parent, the proxies, the searched and the random mask of one replicate share its seed. Default 3. */
  seeds?: number;
  /** Proxy score: validation loss after a short training ('trained') or at initialisation ('init'). Default 'trained'. */
  proxy?: ProxyKind;
  /** Short training of a 'trained' proxy: epochs (default 1) and optionally a step cap. */
  proxyEpochs?: number;
  proxySteps?: number;
  /** Space sample of the over-parameterised parent (default: a fixed draw of the space, dense). */
  base?: Sample;
  /** Accuracy threshold for "epochs to threshold" in reports (stored on every trial). */
  threshold?: number;
}

type Role = 'dense' | 'proxy' | 'searched' | 'random';
/** One step of the plan: a fixed candidate, or the searched pick of a (level, replicate), made once its proxies are told. */
type Step = { candidate: Candidate } | { searched: { level: number; replicate: number; seed: number } };

/**
 * Random Search baseline (Farahani 2024) over the node space of an over-parameterised parent.
 * Per replicate: the dense parent; then per node-sparsity level: N random node masks scored by a
 * cheap proxy (group `proxy`), the best one trained fully (`searched`), and one random mask
 * without selection (`random`). The searched pick reads the proxies' results from the history
 * (which also makes resume exact); while any of them still runs on another worker, ask()
 * returns undefined ("nothing now") and the pick waits.
 */
export class RandomBaselineStrategy implements Strategy {
  private plan: Step[] = [];
  private next = 0;
  private parent?: Architecture;
  private threshold?: number;

  init(ctx: StrategyContext): void {
    const o = ctx.options as RandomBaselineOptions;
    const levels = o.levels ?? [0.5, 0.75, 0.9];
    const n = o.candidates ?? 10;
    const seeds = o.seeds ?? 3;
    const proxy = o.proxy ?? 'trained';
    check(levels.length > 0 && levels.every((s) => typeof s === 'number' && s > 0 && s < 1), 'levels', 'a non-empty list of node sparsities in (0, 1)', levels);
    check(Number.isInteger(n) && n >= 1, 'candidates', 'a positive integer', n);
    check(Number.isInteger(seeds) && seeds >= 1, 'seeds', 'a positive integer', seeds);
    check(proxy === 'trained' || proxy === 'init', 'proxy', '"trained" or "init"', proxy);
    check(o.proxyEpochs === undefined || (Number.isInteger(o.proxyEpochs) && o.proxyEpochs >= 1), 'proxyEpochs', 'a positive integer', o.proxyEpochs);
    check(o.proxySteps === undefined || (Number.isInteger(o.proxySteps) && o.proxySteps >= 1), 'proxySteps', 'a positive integer (use proxy: "init" for zero steps)', o.proxySteps);
    check(o.threshold === undefined || (o.threshold > 0 && o.threshold <= 1), 'threshold', 'an accuracy in (0, 1]', o.threshold);
    const parent = baseArchitecture(ctx.space, o.base, ctx.seed);
    this.parent = parent;
    this.threshold = o.threshold;
    const proxyTraining: Partial<TrainingConfig> = proxy === 'init'
      ? { epochs: 1, steps: 0 }
      : { epochs: o.proxyEpochs ?? 1, ...(o.proxySteps !== undefined ? { steps: o.proxySteps } : {}) };
    // A proxy only ranks masks: it never looks at the test split.
    proxyTraining.evaluateTest = false;
    this.plan = [];
    for (let r = 0; r < seeds; r++) {
      const seed = deriveSeed(ctx.seed, 'random-baseline-replicate', r);
      this.plan.push({ candidate: this.candidate(parent, 'dense', 0, r, seed, {}) });
      for (const level of levels) {
        const masks = createRng(deriveSeed(ctx.seed, 'random-baseline-masks', level, r));
        for (let i = 0; i < n; i++) {
          this.plan.push({ candidate: { ...this.candidate(randomNodeMask(parent, level, masks), 'proxy', level, r, seed, { candidate: i, proxy }), training: proxyTraining } });
        }
        this.plan.push({ searched: { level, replicate: r, seed } });
        // The control draws from its own stream: it is a fresh mask, not one of the scored ones.
        const control = randomNodeMask(parent, level, createRng(deriveSeed(ctx.seed, 'random-baseline-control', level, r)));
        this.plan.push({ candidate: this.candidate(control, 'random', level, r, seed, {}) });
      }
    }
  }

  ask(history: readonly Trial[]): Candidate | undefined {
    while (this.next < this.plan.length) {
      const step = this.plan[this.next]!;
      if ('candidate' in step) {
        this.next++;
        return step.candidate;
      }
      // With several workers some proxies may still be running (or queued to be redone): the
      // pick waits for all of them. Nothing to propose now; the runner asks again later.
      if (history.some((t) => isProxyOf(t, step.searched) && (t.state === 'running' || t.state === 'waiting'))) return undefined;
      this.next++;
      const picked = this.pick(history, step.searched);
      if (picked) return picked;
      // Every proxy of this (level, replicate) failed: nothing to select, so no searched trial.
    }
    return undefined;
  }

  tell(): void {}

  snapshot(): Json {
    return { next: this.next };
  }

  restore(state: Json): void {
    this.next = (state as { next: number }).next;
  }

  /** The proxy with the lowest score (validation loss) of a (level, replicate); ties go to the first sampled. */
  private pick(history: readonly Trial[], at: { level: number; replicate: number; seed: number }): Candidate | undefined {
    let best: Trial | undefined;
    for (const t of history) {
      const a = t.attributes ?? {};
      if (!isProxyOf(t, at)) continue;
      if (t.state !== 'completed' || !t.architecture || !Number.isFinite(t.metrics?.valLoss)) continue;
      if (!best || t.metrics!.valLoss < best.metrics!.valLoss
        || (t.metrics!.valLoss === best.metrics!.valLoss && (a['candidate'] as number) < (best.attributes!['candidate'] as number))) best = t;
    }
    if (!best) return undefined;
    return this.candidate(best.architecture!, 'searched', at.level, at.replicate, at.seed, {
      proxyScore: best.metrics!.valLoss, proxyTrial: best.number, candidate: best.attributes!['candidate']!,
    });
  }

  private candidate(architecture: Architecture, role: Role, level: number, replicate: number, seed: number, extra: JsonObject): Candidate {
    const label = role === 'dense' ? 'dense parent' : role === 'proxy' ? `proxy s=${level} #${extra['candidate']}` : `${role} s=${level}`;
    return {
      sample: {}, architecture, seed, group: role, label,
      attributes: { role, level, replicate, ...(this.threshold !== undefined ? { threshold: this.threshold } : {}), ...extra },
    };
  }
}

function isProxyOf(t: Trial, at: { level: number; replicate: number }): boolean {
  const a = t.attributes ?? {};
  return t.group === 'proxy' && a['level'] === at.level && a['replicate'] === at.replicate;
}

function check(ok: boolean, key: string, expected: string, got: unknown): void {
  if (!ok) throw new SparsenasError('STRATEGY_OPTION', `strategy.options.${key}: expected ${expected}, got ${JSON.stringify(got)}`);
}

export const randomBaselineStrategyFactory: StrategyFactory = {
  name: 'random-baseline',
  optionsSchema: randomBaselineOptionsSchema,
  description: 'Random Search baseline (Farahani 2024): best of N random node masks by a cheap proxy vs one random mask vs the dense parent',
  source: 'built-in',
  create: () => new RandomBaselineStrategy(),
};
