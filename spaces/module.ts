import { ContainerModule } from 'inversify';
import { SpaceFactory } from '../search/index.js';
import { cnnSpaceFactory } from './cnn-space.js';
import { dartsSpaceFactory } from './darts-space.js';
import { mlpSpaceFactory } from './mlp-space.js';

/** Binds the built-in spaces; `getAll(SpaceFactory)` lists them. */
export const spacesModule = new ContainerModule(({ bind }) => {
  bind<SpaceFactory>(SpaceFactory).toConstantValue(mlpSpaceFactory);
  bind<SpaceFactory>(SpaceFactory).toConstantValue(cnnSpaceFactory);
  bind<SpaceFactory>(SpaceFactory).toConstantValue(dartsSpaceFactory);
});
