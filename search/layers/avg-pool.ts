import { poolDescriptor } from './pool.js';

export const avgPoolDescriptor = poolDescriptor('avgPool', 'average pooling', 'avgpool', 'ap');
