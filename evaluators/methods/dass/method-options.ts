import { SparsenasError, type JsonObject, type TrainingConfig } from '../../../search/index.js';

/** `training.method.options` of the dass method (the dass strategy writes them). */
export interface DassMethodOptions {
  /** Fraction of zero weights in every masked kernel after pruning, in [0, 0.99]. */
  sparsity: number;
  pretrainEpochs: number;
  pruneEpochs: number;
  finetuneEpochs: number;
  /**
   * false: a dense search (DARTS), every epoch trains W (and α) without masks; the pruning is
   * left to the retraining of the derived cell. Default true.
   */
  prune: boolean;
  /** α's Adam (DARTS: lr 3e-4, betas (0.5, 0.999), L2 weight decay 1e-3). */
  alpha: { learningRate: number; beta1: number; beta2: number; weightDecay: number };
  /** Validation samples per α step (default the training batch size). */
  alphaBatchSize?: number;
}

export const MAX_METHOD_SPARSITY = 0.99;
const KEYS = ['sparsity', 'pretrainEpochs', 'pruneEpochs', 'finetuneEpochs', 'prune', 'alpha', 'alphaBatchSize'];
const ALPHA_DEFAULTS = { learningRate: 3e-4, beta1: 0.5, beta2: 0.999, weightDecay: 1e-3 };

const fail = (message: string) => new SparsenasError('TRAINING_METHOD_INVALID', `training method dass: ${message}`);
const isInt = (v: unknown, low: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= low;

/**
 * Validates the options against the trial's training: the phases must add up to
 * `training.epochs`. Without phase epochs, every epoch but the last two pretrains, then one
 * prunes and one finetunes (fewer epochs: prune, then finetune).
 */
export function parseDassMethodOptions(o: JsonObject, training: TrainingConfig): DassMethodOptions {
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw fail(`unknown option "${k}"; use ${KEYS.join(', ')}`);
  const sparsity = o['sparsity'] ?? 0.9;
  if (!(typeof sparsity === 'number' && sparsity >= 0 && sparsity <= MAX_METHOD_SPARSITY)) throw fail(`options.sparsity must be a fraction of zero weights in [0, ${MAX_METHOD_SPARSITY}], got ${JSON.stringify(sparsity)}`);
  const prune = o['prune'] ?? true;
  if (typeof prune !== 'boolean') throw fail(`options.prune must be true or false, got ${JSON.stringify(prune)}`);
  const E = training.epochs;
  const given = ['pretrainEpochs', 'pruneEpochs', 'finetuneEpochs'].some((k) => o[k] !== undefined);
  const pruneDefault = Math.min(1, Math.max(0, E - 1)), finetuneDefault = Math.min(1, E - pruneDefault);
  const phases = {
    pretrainEpochs: o['pretrainEpochs'] ?? (given ? 0 : E - pruneDefault - finetuneDefault),
    pruneEpochs: o['pruneEpochs'] ?? (given ? 0 : pruneDefault),
    finetuneEpochs: o['finetuneEpochs'] ?? (given ? 0 : finetuneDefault),
  };
  for (const [k, v] of Object.entries(phases)) if (!isInt(v, 0)) throw fail(`options.${k} must be an integer ≥ 0, got ${JSON.stringify(v)}`);
  const total = (phases.pretrainEpochs as number) + (phases.pruneEpochs as number) + (phases.finetuneEpochs as number);
  if (total !== E) throw fail(`the phases add up to ${total} epochs (pretrain ${phases.pretrainEpochs} + prune ${phases.pruneEpochs} + finetune ${phases.finetuneEpochs}) but training.epochs is ${E}; make them equal`);
  const a = o['alpha'] ?? {};
  if (typeof a !== 'object' || a === null || Array.isArray(a)) throw fail(`options.alpha must be { learningRate, beta1, beta2, weightDecay }, got ${JSON.stringify(a)}`);
  const alpha = { ...ALPHA_DEFAULTS, ...(a as Partial<typeof ALPHA_DEFAULTS>) };
  if (!(alpha.learningRate > 0 && Number.isFinite(alpha.learningRate))) throw fail(`options.alpha.learningRate must be a positive number, got ${JSON.stringify(alpha.learningRate)}`);
  for (const k of ['beta1', 'beta2'] as const) if (!(typeof alpha[k] === 'number' && alpha[k] >= 0 && alpha[k] < 1)) throw fail(`options.alpha.${k} must be in [0, 1), got ${JSON.stringify(alpha[k])}`);
  if (!(typeof alpha.weightDecay === 'number' && alpha.weightDecay >= 0)) throw fail(`options.alpha.weightDecay must be ≥ 0, got ${JSON.stringify(alpha.weightDecay)}`);
  const alphaBatchSize = o['alphaBatchSize'];
  if (alphaBatchSize !== undefined && !isInt(alphaBatchSize, 1)) throw fail(`options.alphaBatchSize must be a positive integer, got ${JSON.stringify(alphaBatchSize)}`);
  const out: DassMethodOptions = { sparsity, prune, ...(phases as { pretrainEpochs: number; pruneEpochs: number; finetuneEpochs: number }), alpha };
  if (alphaBatchSize !== undefined) out.alphaBatchSize = alphaBatchSize;
  return out;
}
