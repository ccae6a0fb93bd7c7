import { poolDescriptor } from './pool.js';

export const maxPoolDescriptor = poolDescriptor('maxPool', 'max pooling', 'maxpool', 'mp');
