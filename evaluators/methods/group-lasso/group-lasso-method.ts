import type { TrainingMethodFactory } from '../types.js';
import { groupProxMethodClass } from '../wgsef/group-prox-class.js';
import { parseGroupProxOptions } from '../wgsef/method-options.js';

/**
 * `training.method: { name: 'group-lasso', options: { k, scope?, groups?, lambda, finetuneEpochs? } }`:
 * WGSEF's training with the group-lasso penalty λ·Σ_j ‖θ_{G_j}‖₂ (Yuan & Lin 2006), the control
 * algorithms.md asks for at the same k.
 */
export const groupLassoMethodFactory: TrainingMethodFactory = {
  name: 'group-lasso',
  description: 'group lasso: proximal group soft-thresholding until k groups are left, then fine-tune with them fixed',
  source: 'built-in',
  create: (setup) => new (groupProxMethodClass())(parseGroupProxOptions('group-lasso', setup.options), setup.net, setup.training),
};
