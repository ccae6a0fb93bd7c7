import { SparsenasError } from '../../search/index.js';

/** Bad wgsef strategy options, a snapshot it cannot restore, survivors that do not fit the network. */
export class WgsefError extends SparsenasError {
  constructor(message: string) {
    super('WGSEF_INVALID_ARGUMENT', message);
    this.name = 'WgsefError';
  }
}
