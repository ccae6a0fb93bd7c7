import { SparsenasError } from '../search/errors.js';

/** A mistake in how the command was called: printed without a stack, exit code 2. */
export class UsageError extends SparsenasError {
  constructor(message: string) {
    super('USAGE', message);
    this.name = 'UsageError';
  }
}
