import type { TrainingMethodFactory } from '../types.js';
import { groupProxMethodClass } from './group-prox-class.js';
import { parseGroupProxOptions } from './method-options.js';

/** `training.method: { name: 'wgsef', options: { k, penalty?, scope?, groups?, lambda, finetuneEpochs? } }`. */
export const wgsefMethodFactory: TrainingMethodFactory = {
  name: 'wgsef',
  description: 'WGSEF: proximal steps on the group sparse envelope until k groups are left, then fine-tune with them fixed',
  source: 'built-in',
  create: (setup) => new (groupProxMethodClass())(parseGroupProxOptions('wgsef', setup.options), setup.net, setup.training),
};
