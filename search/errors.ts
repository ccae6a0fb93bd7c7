/**
 * One base error with a stable, machine-readable `code`. Messages name the thing that is
 * wrong and the fix, e.g. "config key training.epochs must be a positive integer, got -1".
 */
export class SparsenasError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SparsenasError';
  }
}

/** Raised by a space when a sample is outside it. `dimension` names the offending dimension. */
export class SpaceError extends SparsenasError {
  constructor(readonly dimension: string, message: string) {
    super('SPACE_INVALID_SAMPLE', message);
    this.name = 'SpaceError';
  }
}

/**
 * An architecture that cannot be planned (a bad shape, a layer after a flat output, two layers
 * with one name...). `layer` names the offending layer. Raised by the layer registry, so the
 * FLOP counter and the evaluator refuse the same architectures with the same message.
 */
export class ArchitectureError extends SparsenasError {
  constructor(readonly layer: string, message: string) {
    super('ARCHITECTURE_INVALID', message);
    this.name = 'ArchitectureError';
  }
}

export class ConfigError extends SparsenasError {
  /** Every problem found, when the definition had several (`key` is the first one's). */
  readonly issues: readonly { key: string; message: string }[];
  constructor(readonly key: string, message: string, issues?: readonly { key: string; message: string }[]) {
    super('CONFIG_INVALID', message);
    this.name = 'ConfigError';
    this.issues = issues ?? [{ key, message }];
  }
}

export class StoreError extends SparsenasError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'StoreError';
  }
}

/** Raised inside an evaluation when training diverges (NaN/Inf loss). The trial becomes `failed`. */
export class TrialDivergedError extends SparsenasError {
  constructor(message: string) {
    super('TRIAL_DIVERGED', message);
    this.name = 'TrialDivergedError';
  }
}

/** Thrown by a reporter when the pruner decided to stop a trial early. The trial becomes `pruned`. */
export class TrialPrunedError extends SparsenasError {
  constructor(readonly epoch: number) {
    super('TRIAL_PRUNED', `trial pruned after epoch ${epoch}`);
    this.name = 'TrialPrunedError';
  }
}

/** Render any thrown value as a one-line reason for storage. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
