import { SparsenasError } from '../search/index.js';

/** A backend was forced (`--backend`, `backend:` in the config) but cannot run here. */
export class BackendUnavailableError extends SparsenasError {
  constructor(readonly backend: string, message: string, options?: { cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', message, options);
    this.name = 'BackendUnavailableError';
  }
}

/**
 * The trial's AbortSignal fired between two batches. Named `AbortError` like the DOM
 * exception so generic `err.name === 'AbortError'` checks recognise it.
 */
export class TrialAbortedError extends SparsenasError {
  constructor(message = 'training aborted') {
    super('TRIAL_ABORTED', message);
    this.name = 'AbortError';
  }
}

/** The layer registry's error (search/), re-exported where the evaluator's errors are. */
export { ArchitectureError } from '../search/index.js';

/** Saved trial weights that cannot be read back (missing file, wrong size, unknown name). */
export class ArtifactError extends SparsenasError {
  constructor(readonly path: string, message: string, options?: { cause?: unknown }) {
    super('ARTIFACT_INVALID', message, options);
    this.name = 'ArtifactError';
  }
}
