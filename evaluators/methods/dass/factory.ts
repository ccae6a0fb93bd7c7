import type { TrainingMethod, TrainingMethodFactory, MethodSetup } from '../types.js';

// The dass factory is bound in every container (`sparsenas list` shows it), but its method is
// tfjs code: the factory reaches it through this seam, which dass-method.ts fills when it is
// loaded (the tfjs evaluator loads it before training), so listing methods does not load tfjs.
let implementation: ((setup: MethodSetup) => TrainingMethod) | undefined;

export function provideDassMethod(create: (setup: MethodSetup) => TrainingMethod): void {
  implementation = create;
}

/**
 * `training.method: { name: 'dass', options: { sparsity, pretrainEpochs, pruneEpochs, finetuneEpochs, prune?, alpha?, alphaBatchSize? } }`
 * (evaluators/methods/dass/dass-method.ts).
 */
export const dassMethodFactory: TrainingMethodFactory = {
  name: 'dass',
  description: 'DASS: a DARTS supernet with HYDRA sparse ops (pretrain → prune scores → finetune), α stepped on the masked validation loss; the same pipeline for a derived network',
  source: 'built-in',
  create(setup) {
    if (!implementation) throw new Error('DassMethod is not loaded: import evaluators/methods/dass/dass-method.js (the tfjs evaluator does) before creating a dass method');
    return implementation(setup);
  },
};
