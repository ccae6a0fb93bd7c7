import { SparsenasError } from '../../search/errors.js';

/**
 * Raised by a replacement kernel when it is asked for something it does not implement
 * (e.g. NCHW data on wasm) or by the installer when the registry is inconsistent.
 */
export class KernelError extends SparsenasError {
  constructor(
    readonly kernelName: string,
    message: string,
  ) {
    super('KERNEL_UNSUPPORTED', `${kernelName}: ${message}`);
    this.name = 'KernelError';
  }
}
