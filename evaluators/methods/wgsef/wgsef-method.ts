import type { TrainingMethodFactory } from '../types.js';
import { GroupProxMethod } from './group-prox-method.js';
import { parseGroupProxOptions } from './method-options.js';

/** `training.method: { name: 'wgsef', options: { k, penalty?, scope?, groups?, lambda, finetuneEpochs? } }`. */
export const wgsefMethodFactory: TrainingMethodFactory = {
  name: 'wgsef',
  description: 'WGSEF: proximal steps on the group sparse envelope until k groups are left, then fine-tune with them fixed',
  source: 'built-in',
  create: (setup) => new GroupProxMethod(parseGroupProxOptions('wgsef', setup.options), setup.net, setup.training),
};
