import { SparsenasError } from '../../search/index.js';

/** A `SparsitySpec` that no sparse-training method can run; `field` names the offending key. */
export class SparsitySpecError extends SparsenasError {
  constructor(readonly field: string, message: string) {
    super('SPARSITY_SPEC_INVALID', message);
    this.name = 'SparsitySpecError';
  }
}

/** The training loop broke the `SparseMethod` contract (e.g. RigL asked for a dense gradient and got none). */
export class SparseContractError extends SparsenasError {
  constructor(message: string) {
    super('SPARSE_CONTRACT_BROKEN', message);
    this.name = 'SparseContractError';
  }
}
