import type { JsonObject } from '../../search/index.js';
import type { SparseStepContext } from '../sparse/types.js';

/**
 * A training-time regulariser with its own step (proximal methods): the training loop calls
 * `afterStep` after every optimiser step (after the sparse method's `afterStep` and the node
 * mask) and `epochEnded` after each epoch's last step, before validation. Created per trial
 * from `training.regularizer`; owns no tensors after `dispose`.
 */
export interface TrainingRegularizer {
  afterStep(ctx: SparseStepContext): void;
  /** 1-based epoch that just finished its steps. */
  epochEnded(epoch: number): void;
  /** What the run found, for `metrics.outputs` (e.g. surviving groups per layer). */
  outputs(): JsonObject;
  dispose(): void;
}
