import { SparsenasError, deriveSeed } from '../../search/index.js';
import type { Architecture, Candidate, Json, Sample, SearchSpace, SparseMethod, Strategy, StrategyContext, StrategyFactory } from '../../search/index.js';
import { SPARSE_IFT_FAMILIES, applySparseIft } from './transforms.js';
import type { SparseIftFamily } from './transforms.js';
import { baseArchitecture } from '../base-architecture.js';
import { sparseIftOptionsSchema } from '../option-schemas.js';

const SPARSE_IFT_METHODS: readonly string[] = ['rigl', 'static', 'set'];

export interface SparseIftOptions {
  families?: SparseIftFamily[];
  /** Sparsity levels of the sweep (default 0.5, 0.75, 0.9, the paper's). */
  levels?: number[];
  /** Sparse-training methods: RigL (the paper's), static masks as the control. */
  methods?: ('rigl' | 'static' | 'set')[];
  /** Replicates; every configuration of a replicate shares its seed (paired comparison). */
  seeds?: number;
  /** Space sample of the dense base network (default: a fixed draw of the space, dense). */
  base?: Sample;
  /** Keep the first layer dense and untransformed (default: true for image inputs, false for flat ones). */
  keepFirstDense?: boolean;
  norm?: boolean;
  /** RigL/SET: steps between topology updates (ΔT; default the evaluator's 100). Lower it for short runs, or RigL barely moves. */
  updateEvery?: number;
}

/**
 * Sparse-IFT sweep (Thangarasa et al., ICML 2024): the dense base, then every transform family
 * × sparsity level × training method, at equal theoretical FLOPs, for several seeds. Each trial
 * is labelled with its family, level and method (group = family) for the leaderboard and reports.
 */
export class SparseIftStrategy implements Strategy {
  private plan: Candidate[] = [];
  private next = 0;

  init(ctx: StrategyContext): void {
    const o = ctx.options as SparseIftOptions;
    if (!ctx.dataset) throw new SparsenasError('SPARSE_IFT_NO_SHAPE', 'sparse-ift needs the input shape and class count to match FLOPs; use an evaluator that reports its dataset');
    const families = o.families ?? [...SPARSE_IFT_FAMILIES];
    for (const f of families) if (!SPARSE_IFT_FAMILIES.includes(f)) throw new SparsenasError('STRATEGY_OPTION', `strategy.options.families: unknown family "${f}"; use ${SPARSE_IFT_FAMILIES.join(', ')}`);
    const levels = o.levels ?? [0.5, 0.75, 0.9];
    const methods = o.methods ?? ['rigl'];
    for (const m of methods) if (!SPARSE_IFT_METHODS.includes(m)) throw new SparsenasError('STRATEGY_OPTION', `strategy.options.methods: unknown method "${m}"; use ${SPARSE_IFT_METHODS.join(', ')}`);
    const seeds = o.seeds ?? 3;
    if (o.updateEvery !== undefined && !(Number.isInteger(o.updateEvery) && o.updateEvery >= 1)) {
      throw new SparsenasError('STRATEGY_OPTION', `strategy.options.updateEvery: expected a positive integer number of steps, got ${JSON.stringify(o.updateEvery)}`);
    }
    const base = baseArchitecture(ctx.space, o.base, ctx.seed);
    const t = { inputShape: ctx.dataset.shape, classes: ctx.dataset.classes, norm: o.norm, keepFirstDense: o.keepFirstDense ?? base.input === 'image' };
    this.plan = [];
    for (let r = 0; r < seeds; r++) {
      const seed = deriveSeed(ctx.seed, 'sparse-ift-replicate', r);
      this.plan.push(candidate(base, 'dense', 0, 'static', r, seed));
      for (const s of levels) {
        for (const family of families) {
          const transformed = applySparseIft(base, family, s, t);
          for (const method of methods) {
            // The paper's recipe starts every method from a random mask (the base's `init` comes from a draw of the space).
            const sparsity = { ...transformed.sparsity, method: method as SparseMethod, init: 'random' as const, ...(o.updateEvery !== undefined ? { updateEvery: o.updateEvery } : {}) };
            this.plan.push(candidate({ ...transformed, sparsity }, family, s, method, r, seed));
          }
        }
      }
    }
  }

  ask(): Candidate | undefined {
    return this.plan[this.next++];
  }

  tell(): void {}

  snapshot(): Json {
    return { next: this.next };
  }

  restore(state: Json): void {
    this.next = (state as { next: number }).next;
  }
}

function candidate(architecture: Architecture, family: string, level: number, method: string, replicate: number, seed: number): Candidate {
  return {
    sample: {}, architecture, seed, group: family,
    label: family === 'dense' ? 'dense base' : sparseIftLabel(family, level, architecture.sparsity.level, method),
    attributes: { family, level, method, replicate },
  };
}

/**
 * `parallel s=0.5 rigl`; a transform that solves its own level for iso-FLOPs (wide) names the
 * level its layers really get, as the architecture's label does: `wide s=0.5→29.7% rigl`.
 */
export function sparseIftLabel(family: string, nominal: number, applied: number, method: string): string {
  const level = Math.abs(applied - nominal) < 0.0005 ? `s=${nominal}` : `s=${nominal}→${Number((applied * 100).toFixed(1))}%`;
  return `${family} ${level} ${method}`;
}

export const sparseIftStrategyFactory: StrategyFactory = {
  name: 'sparse-ift',
  optionsSchema: sparseIftOptionsSchema,
  description: 'Sparse-IFT (Thangarasa et al. 2024): iso-FLOP transforms (wide, parallel, factorized, doped) × sparsity × RigL/static vs dense',
  source: 'built-in',
  create: () => new SparseIftStrategy(),
};
