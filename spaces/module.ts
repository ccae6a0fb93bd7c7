import { ContainerModule } from 'inversify';
import { SpaceFactory } from '../search/index.js';
import { cnnSpaceFactory } from './cnn-space.js';
import { dartsSpaceFactory } from './darts-space.js';
import { mlpSpaceFactory } from './mlp-space.js';

/** The built-in spaces, in `list spaces` order. */
export const BUILTIN_SPACES: readonly SpaceFactory[] = [mlpSpaceFactory, cnnSpaceFactory, dartsSpaceFactory];

/** Binds the built-in spaces; `getAll(SpaceFactory)` lists them. */
export const spacesModule = new ContainerModule(({ bind }) => {
  for (const f of BUILTIN_SPACES) bind<SpaceFactory>(SpaceFactory).toConstantValue(f);
});
